import type { Random } from '@varplane/core';

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - m) ** 2;
  return Math.sqrt(sum / (values.length - 1));
}

/** The q-th percentile (0-100) with linear interpolation between ranks. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const a = sorted[low] as number;
  const b = sorted[high] as number;
  return a + (b - a) * (rank - low);
}

/** A Poisson draw (Knuth's method; for the small rates SIMBA uses). */
export function poisson(rate: number, random: Random): number {
  if (!(rate > 0)) return 0;
  const limit = Math.exp(-rate);
  let k = 0;
  let product = random.next();
  while (product > limit) {
    k++;
    product *= random.next();
  }
  return k;
}

/** Picks an item with probability proportional to exp(score / temperature). */
export function softmaxPick<T>(
  items: readonly T[],
  scores: readonly number[],
  temperature: number,
  random: Random,
): T {
  let max = Number.NEGATIVE_INFINITY;
  for (const score of scores) if (score > max) max = score;
  const weights = scores.map((score) => Math.exp((score - max) / temperature));
  return random.pickWeighted(items, weights);
}
