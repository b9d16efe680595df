import { describe, expect, it } from 'vitest';
import { example } from './example';

describe('example', () => {
  it('holds frozen inputs and labels', () => {
    const item = example({ question: 'q', k: 2 }, { answer: 'a' });
    expect(item).toEqual({ inputs: { question: 'q', k: 2 }, labels: { answer: 'a' } });
    expect(Object.isFrozen(item.inputs)).toBe(true);
    expect(example({ q: 'x' }).labels).toEqual({});
  });

  it('rejects values that are not JSON, with the path', () => {
    expect(() => example({ when: new Date() as never })).toThrow(/inputs\.when/);
    expect(() => example({ q: 'x' }, { n: Number.NaN })).toThrow(/labels\.n/);
  });
});
