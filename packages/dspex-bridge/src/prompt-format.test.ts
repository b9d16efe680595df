import { describe, expect, it } from 'vitest';
import { example } from './example';
import { readPrompt } from './internal/read-prompt';
import { formatPrompt } from './prompt-format';
import { signature } from './signature';

const sig = signature(
  'question: string "what the user asked", context?: string[] -> answer, confidence: number',
  { instructions: 'Answer from the context.' },
);

describe('formatPrompt', () => {
  it('writes the instruction, the fields and the JSON reply rule into the system message', () => {
    const [system, user] = formatPrompt(sig, { inputs: { question: 'Why?' }, format: 'json' });
    expect(system).toEqual({
      role: 'system',
      content: [
        'Answer from the context.',
        '',
        'Your input fields are:',
        '1. `question` (string): what the user asked',
        '2. `context` (array of string, optional)',
        '',
        'Your output fields are:',
        '1. `answer` (string)',
        '2. `confidence` (number)',
        '',
        'Reply with one JSON object with the keys "answer" (string), "confidence" (number), and nothing else.',
      ].join('\n'),
    });
    expect(user).toEqual({
      role: 'user',
      content:
        '[[ ## question ## ]]\nWhy?\n\nRespond with a JSON object holding `answer`, `confidence`.',
    });
  });

  it('turns demos into user/assistant pairs in the marker format', () => {
    const messages = formatPrompt(sig, {
      instruction: 'Be exact.',
      demos: [
        example({ question: 'q1', context: ['c1', 'c2'] }, { answer: 'a1', confidence: 0.5 }),
      ],
      inputs: { question: 'q2' },
      format: 'markers',
    });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(messages[0]?.content.startsWith('Be exact.\n\n')).toBe(true);
    expect(
      messages[0]?.content.endsWith(
        '[[ ## confidence ## ]]\n{confidence}\n\n[[ ## completed ## ]]',
      ),
    ).toBe(true);
    expect(messages[1]?.content).toBe(
      '[[ ## question ## ]]\nq1\n\n[[ ## context ## ]]\n["c1","c2"]',
    );
    expect(messages[2]?.content).toBe(
      '[[ ## answer ## ]]\na1\n\n[[ ## confidence ## ]]\n0.5\n\n[[ ## completed ## ]]',
    );
    expect(messages[3]?.content).toBe(
      '[[ ## question ## ]]\nq2\n\nRespond with `answer`, `confidence`, each after its marker, ending with [[ ## completed ## ]].',
    );
  });

  it('reads back as the same instruction, fields, demos and inputs', () => {
    for (const format of ['json', 'markers'] as const) {
      const messages = formatPrompt(sig, {
        demos: [example({ question: 'q1', context: ['c'] }, { answer: 'a1', confidence: 1 })],
        inputs: { question: 'multi\nline', context: ['x', 'y'] },
        format,
      });
      const read = readPrompt(messages, format === 'json' ? 'json' : undefined);
      expect(read.structured).toBe(true);
      expect(read.format).toBe(format);
      expect(read.instruction).toBe('Answer from the context.');
      expect(read.outputFields).toEqual([
        { name: 'answer', typeHint: 'string', optional: false },
        { name: 'confidence', typeHint: 'number', optional: false },
      ]);
      expect(read.demos).toEqual([
        { inputs: { question: 'q1', context: ['c'] }, outputs: { answer: 'a1', confidence: 1 } },
      ]);
      expect(read.inputs).toEqual({ question: 'multi\nline', context: ['x', 'y'] });
      expect(read.isRetry).toBe(false);
    }
  });
});
