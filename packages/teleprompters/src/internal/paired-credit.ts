import type { Random } from '@varplane/core';
import type { AgentCredit } from '../evaluate-team-performance';
import { mean, percentile } from './stats';

/** Resamples of the bootstrap: enough for stable 2.5% tails, cheap next to one team run. */
const RESAMPLES = 2_000;

/**
 * The mean of paired differences with a `confidence` percentile-bootstrap interval. Pairs that
 * all differ by the same amount (an agent that cannot change the answer: all 0) give an interval
 * of that one value.
 */
export function pairedCredit(
  differences: readonly number[],
  confidence: number,
  random: Random,
): AgentCredit {
  const n = differences.length;
  if (n === 0) return { credit: 0, low: 0, high: 0, pairs: 0 };
  const credit = mean(differences);
  const means = new Array<number>(RESAMPLES);
  for (let r = 0; r < RESAMPLES; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random.next() * n)] as number;
    means[r] = sum / n;
  }
  const tail = ((1 - confidence) / 2) * 100;
  return {
    credit,
    low: Math.min(credit, percentile(means, tail)),
    high: Math.max(credit, percentile(means, 100 - tail)),
    pairs: n,
  };
}
