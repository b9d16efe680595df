import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { SignatureError } from './errors';
import { prependOutputField, signature, withInstructions } from './signature';

function parseError(source: string): SignatureError {
  try {
    signature(source);
  } catch (error) {
    return error as SignatureError;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be rejected`);
}

describe('signature (string form)', () => {
  it('reads names, optional marks, types and descriptions', () => {
    const sig = signature(
      'question: string "what the user asked", context?: string[] -> answer: string, confidence: number',
    );
    expect(sig.text).toBe('question, context -> answer, confidence');
    expect(sig.inputFields.map((f) => [f.name, f.optional, f.typeHint, f.description])).toEqual([
      ['question', false, 'string', 'what the user asked'],
      ['context', true, 'array of string', ''],
    ]);
    expect(sig.outputFields.map((f) => [f.name, f.typeHint, f.isText])).toEqual([
      ['answer', 'string', true],
      ['confidence', 'number', false],
    ]);
    expect(sig.instructions).toBe(
      'Given the fields `question`, `context`, produce the fields `answer`, `confidence`.',
    );
    expect(sig.inputSchema.parse({ question: 'q' })).toEqual({ question: 'q' });
    expect(sig.inputSchema.safeParse({ question: 1 }).success).toBe(false);
    expect(sig.outputJsonSchema).toMatchObject({
      type: 'object',
      properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
      required: ['answer', 'confidence'],
    });
  });

  it('reads untyped fields as strings, integers, booleans, json, nested arrays and literal unions', () => {
    const sig = signature(
      "a, b: int, c: bool, d: json, e: number[][] -> label: 'yes' | \"no\" 'the verdict', n: integer",
      { instructions: 'Classify.' },
    );
    expect(sig.instructions).toBe('Classify.');
    expect(sig.inputFields.map((f) => f.typeHint)).toEqual([
      'string',
      'integer',
      'boolean',
      'any JSON value',
      'array of array of number',
    ]);
    const label = sig.outputFields[0];
    expect(label?.typeHint).toBe('one of: "yes", "no"');
    expect(label?.description).toBe('the verdict');
    expect(label?.isText).toBe(true);
    expect(sig.outputSchema.safeParse({ label: 'maybe', n: 1 }).success).toBe(false);
    expect(sig.outputSchema.safeParse({ label: 'no', n: 1.5 }).success).toBe(false);
    expect(sig.outputSchema.parse({ label: 'no', n: 2 })).toEqual({ label: 'no', n: 2 });
  });

  it('accepts a signature without inputs', () => {
    const sig = signature('-> joke');
    expect(sig.inputFields).toEqual([]);
    expect(sig.instructions).toBe('Produce the fields `joke`.');
  });

  it.each([
    ['question answer', 'expected "->" between the inputs and the outputs', 15],
    ['question ->', 'expected at least one output field after "->"', 11],
    [
      'question: strin -> answer',
      `unknown type "strin"; use string, number, integer, boolean, json, T[] or 'a' | 'b'`,
      10,
    ],
    ['question -> answer, ', 'expected a field name, found the end', 20],
    ['question, question -> answer', 'field "question" is declared twice', 10],
    ['question -> question', 'field "question" is declared twice', 12],
    ['q: string[ -> a', 'expected "]" to close "["', 10],
    ['q "unterminated -> a', 'unterminated quoted text (opened with ")', 2],
    ['q -> a -> b', 'expected "," or the end, found "-"', 7],
    ['1q -> a', 'expected a field name, found "1"', 0],
    ["q -> a: 'x' | 'x'", 'literal "x" appears twice', 14],
    ['q -> completed', 'field name "completed" is reserved', 5],
    ['q: -> a', 'expected a type, found "-"', 3],
  ])('rejects %j with its position', (source, message, position) => {
    const error = parseError(source);
    expect(error.code).toBe('SIGNATURE_INVALID');
    expect(error.name).toBe('SignatureError');
    expect(error.position).toBe(position);
    expect(error.source).toBe(source);
    expect(error.message).toContain(`${message} at position ${position}`);
    // The caret sits under the offending character.
    const lines = error.message.split('\n');
    expect(lines[2]?.indexOf('^')).toBe(2 + position);
  });
});

describe('signature (zod form)', () => {
  const qa = signature({
    inputs: z.object({
      question: z.string().describe('what the user asked'),
      k: z.int().optional(),
    }),
    outputs: z.object({ answer: z.string(), sources: z.array(z.url()) }),
    instructions: 'Answer with sources.',
  });

  it('types inputs and outputs from the schemas', () => {
    expectTypeOf(qa.types).toEqualTypeOf<
      | {
          readonly input: { question: string; k?: number | undefined };
          readonly output: { answer: string; sources: string[] };
        }
      | undefined
    >();
    expect(qa.inputFields.map((f) => [f.name, f.optional, f.description])).toEqual([
      ['question', false, 'what the user asked'],
      ['k', true, ''],
    ]);
    expect(qa.outputFields[1]?.typeHint).toBe('array of string');
  });

  it('rejects schemas that are not zod objects, clashing names and empty outputs', () => {
    expect(() =>
      signature({ inputs: z.string() as never, outputs: z.object({ a: z.string() }) }),
    ).toThrow(/inputs must be a zod object schema/);
    expect(() =>
      signature({ inputs: z.object({ a: z.string() }), outputs: z.object({ a: z.string() }) }),
    ).toThrow(/field "a" is both an input and an output/);
    expect(() => signature({ inputs: z.object({}), outputs: z.object({}) })).toThrow(
      /at least one field/,
    );
    expect(() =>
      signature({ inputs: z.object({ 'a b': z.string() }), outputs: z.object({ c: z.string() }) }),
    ).toThrow(/inputs.a b is not a usable field name/);
  });

  it('changes instructions and adds a leading output without touching the original', () => {
    const terse = withInstructions(qa, 'Be terse.');
    expect(terse.instructions).toBe('Be terse.');
    expect(qa.instructions).toBe('Answer with sources.');
    const reasoned = prependOutputField(qa, 'reasoning', z.string());
    expect(reasoned.outputFields.map((f) => f.name)).toEqual(['reasoning', 'answer', 'sources']);
    expect(reasoned.instructions).toBe('Answer with sources.');
    expect(qa.outputFields).toHaveLength(2);
    expect(() => prependOutputField(qa, 'answer', z.string())).toThrow(/already exists/);
  });
});
