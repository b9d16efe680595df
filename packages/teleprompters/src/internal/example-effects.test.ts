import { describe, expect, it } from 'vitest';
import { createExampleEffects } from './example-effects';

describe('example effects', () => {
  it("adjusts a candidate's mean for how hard its examples were for the others", () => {
    const effects = createExampleEffects();
    // Example 0 is easy (every other candidate passes), example 1 hard (every other fails).
    for (let candidate = 1; candidate <= 4; candidate++) {
      effects.add(candidate, 0, 1);
      effects.add(candidate, 1, 0);
    }
    // Candidate 5 passed only the easy one, candidate 6 only the hard one: same raw mean (0.5).
    effects.add(5, 0, 1);
    effects.add(6, 1, 1);
    expect(effects.overall()).toBeCloseTo(6 / 10, 10);
    const easy = effects.adjusted(5, 0) as number;
    const hard = effects.adjusted(6, 0) as number;
    expect(hard).toBeGreaterThan(easy + 0.5);
    // The easy pass tells little: its residual is against the others' mean there (4 of 4,
    // with 2 pseudo-runs at the overall mean).
    expect(easy).toBeCloseTo(0.6 + (1 - (4 + 2 * 0.6) / (4 + 2)), 10);
    // Shrinking by pseudo-runs pulls toward the overall mean.
    expect(effects.adjusted(6, 3) as number).toBeLessThan(hard);
    expect(effects.adjusted(7, 0)).toBeUndefined();
    expect(effects.count(1)).toBe(2);
  });
});
