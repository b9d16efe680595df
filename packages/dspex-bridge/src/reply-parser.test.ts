import { describe, expect, it } from 'vitest';
import type { OutputParseError } from './errors';
import { parseReply } from './reply-parser';
import { signature } from './signature';

const sig = signature(
  "question -> answer, confidence: number, tags?: string[], verdict: 'yes' | 'no'",
);

function failure(text: string, format: 'json' | 'markers' = 'json'): OutputParseError {
  try {
    parseReply(sig as never, text, format);
  } catch (error) {
    return error as OutputParseError;
  }
  throw new Error('expected a parse failure');
}

describe('parseReply', () => {
  it('reads a JSON object, keeping only the declared outputs', () => {
    expect(
      parseReply(sig, '{"answer":"5","confidence":0.9,"verdict":"yes","extra":1}', 'json'),
    ).toEqual({
      answer: '5',
      confidence: 0.9,
      verdict: 'yes',
    });
  });

  it('finds JSON inside a code fence or surrounding prose', () => {
    const fenced = '```json\n{"answer":"a","confidence":1,"verdict":"no"}\n```';
    expect(parseReply(sig, fenced, 'json')).toMatchObject({ answer: 'a' });
    const prose = 'Sure! Here it is: {"answer":"b","confidence":1,"verdict":"no"} Hope that helps.';
    expect(parseReply(sig, prose, 'json')).toMatchObject({ answer: 'b' });
  });

  it('reads field markers, parsing non-text fields as JSON', () => {
    const text = [
      'Some preamble.',
      '[[ ## answer ## ]]',
      'It is\n5.',
      '[[ ## confidence ## ]]',
      '0.75',
      '[[ ## tags ## ]]',
      '["math"]',
      '[[ ## verdict ## ]]',
      'yes',
      '[[ ## completed ## ]]',
      'trailing text is ignored',
    ].join('\n');
    expect(parseReply(sig, text, 'markers')).toEqual({
      answer: 'It is\n5.',
      confidence: 0.75,
      tags: ['math'],
      verdict: 'yes',
    });
  });

  it('falls back to the other format', () => {
    expect(
      parseReply(sig, '{"answer":"x","confidence":1,"verdict":"no"}', 'markers'),
    ).toMatchObject({ answer: 'x' });
    const marked = '[[ ## answer ## ]]\ny\n[[ ## confidence ## ]]\n1\n[[ ## verdict ## ]]\nno';
    expect(parseReply(sig, marked, 'json')).toMatchObject({ answer: 'y', confidence: 1 });
  });

  it('reads numbers written as strings and text written as numbers', () => {
    expect(parseReply(sig, '{"answer":5,"confidence":"0.5","verdict":"no"}', 'json')).toEqual({
      answer: '5',
      confidence: 0.5,
      verdict: 'no',
    });
  });

  it('fails with OUTPUT_PARSE_FAILED and the raw text when nothing parses', () => {
    const error = failure('I think the answer is 5.');
    expect(error.code).toBe('OUTPUT_PARSE_FAILED');
    expect(error.name).toBe('OutputParseError');
    expect(error.rawText).toBe('I think the answer is 5.');
    expect(error.message).toContain('"I think the answer is 5."');
    expect(failure('{"answer": "unterminated').code).toBe('OUTPUT_PARSE_FAILED');
    expect(failure('[1, 2]').code).toBe('OUTPUT_PARSE_FAILED');
  });

  it('fails with OUTPUT_INVALID naming each missing or wrong field', () => {
    const error = failure('{"answer":"5","confidence":"high","verdict":"maybe"}');
    expect(error.code).toBe('OUTPUT_INVALID');
    expect(error.rawText).toBe('{"answer":"5","confidence":"high","verdict":"maybe"}');
    expect(error.issues.map((issue) => issue.path)).toEqual(['confidence', 'verdict']);
    expect(error.message).toContain('confidence:');
    expect(error.message).toContain('(got "maybe")');
    const missing = failure('[[ ## answer ## ]]\n5', 'markers');
    expect(missing.code).toBe('OUTPUT_INVALID');
    expect(missing.issues.map((issue) => issue.path)).toEqual(['confidence', 'verdict']);
  });
});
