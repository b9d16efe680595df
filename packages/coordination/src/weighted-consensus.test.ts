import { describe, expect, it } from 'vitest';
import { negotiateValue } from './negotiate-value';
import { createWeightedConsensus } from './weighted-consensus';

describe('createWeightedConsensus', () => {
  it('takes the weighted mean of numbers', async () => {
    const outcome = await negotiateValue('rate', [
      { agent: 'a', value: 10, weight: 3 },
      { agent: 'b', value: 20, weight: 1 },
    ]);
    expect(outcome.value).toBe(12.5);
  });

  it('takes the weighted plurality of choices, ties to the value that sorts first', async () => {
    const outcome = await negotiateValue('model', [
      { agent: 'a', value: 'small', weight: 1 },
      { agent: 'b', value: 'large', weight: 0.75 },
      { agent: 'c', value: 'large', weight: 0.5 },
    ]);
    expect(outcome.value).toBe('large');
    expect(outcome.rationale).toBe('weighted plurality: "large" has weight 1.25 of 2 candidates');
    const tie = await negotiateValue('model', [
      { agent: 'a', value: 'small', weight: 1 },
      { agent: 'b', value: 'large', weight: 1 },
    ]);
    expect(tie.value).toBe('large');
  });

  it('counts only allowed choices', async () => {
    const outcome = await negotiateValue(
      'model',
      [
        { agent: 'a', value: 'banned', weight: 5 },
        { agent: 'b', value: 'ok', weight: 1 },
      ],
      { constraints: { allowed: ['ok', 'fine'] } },
    );
    expect(outcome.value).toBe('ok');
    await expect(
      negotiateValue('model', [{ agent: 'a', value: 'banned', weight: 1 }], {
        constraints: { allowed: ['ok'] },
      }),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_INFEASIBLE', reason: 'no_admissible_preference' });
  });

  it('treats equal objects as one choice', async () => {
    const outcome = await negotiateValue('config', [
      { agent: 'a', value: { depth: 2 }, weight: 1 },
      { agent: 'b', value: { depth: 2 }, weight: 1 },
      { agent: 'c', value: { depth: 3 }, weight: 1.5 },
    ]);
    expect(outcome.value).toEqual({ depth: 2 });
  });

  it('registers under another name when asked', () => {
    expect(createWeightedConsensus({ name: 'mean' }).name).toBe('mean');
  });
});
