import { describe, expect, it } from 'vitest';
import { checkRunResult } from './run-result';

const usage = { inputTokens: 2, outputTokens: 3, totalTokens: 5 };
const valid = {
  output: { answer: '4' },
  traces: [{ agentId: 'a', input: { q: 1 }, output: { answer: '4' }, usage }],
  usage,
  messages: 1,
};

describe('checkRunResult', () => {
  it('accepts plain, valid results as they are', () => {
    expect(checkRunResult('x', valid)).toEqual(valid);
    expect(checkRunResult('x', { traces: [], usage: { ...usage, cost: 0.1 } })).toEqual({
      traces: [],
      usage: { ...usage, cost: 0.1 },
    });
  });

  it('refuses a result wrong anywhere, naming the field', () => {
    const badTrace = {
      ...valid,
      traces: [{ ...valid.traces[0], usage: { ...usage, totalTokens: Number.NaN } }],
    };
    expect(() => checkRunResult('x', badTrace)).toThrow(/totalTokens/);
    expect(() => checkRunResult('x', { ...valid, messages: -1 })).toThrow(/messages/);
    expect(() => checkRunResult('x', { ...valid, traces: [{ input: {} }] })).toThrow(/agentId/);
    const throwing = Object.defineProperty({ ...valid }, 'usage', {
      get() {
        throw new Error('no usage');
      },
    });
    expect(() => checkRunResult('x', throwing)).toThrow(/cannot be read: no usage/);
  });
});
