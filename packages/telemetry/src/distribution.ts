/**
 * One window's samples of a metric as bucket counts: what a Prometheus histogram adds up across
 * windows, so latencies aggregate over time and over processes (quantile gauges cannot).
 */
export interface Distribution {
  /** The metric's unit (`ms` for `recovery_time`; what `units` says for a user metric). */
  readonly unit: string;
  /** Upper bounds of the buckets, ascending, in `unit`; a last bucket above them is implied. */
  readonly bounds: readonly number[];
  /** Samples per bucket (not cumulative): `counts.length === bounds.length + 1`. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

/** Bucket bounds in seconds for durations (5 ms to 5 minutes). */
export const SECONDS_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** Bucket bounds for quantities without a time unit: 1-2.5-5 steps from 0.001 to 1e6. */
export const GENERIC_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500,
  1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
];

/** How many of a unit make a second, for the units that are durations. */
export const SECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  ms: 1e-3,
  s: 1,
  min: 60,
};

/** Bounds for a metric in its own unit: seconds' buckets scaled for durations. */
export function boundsFor(unit: string): readonly number[] {
  const scale = SECONDS_PER_UNIT[unit];
  return scale === undefined ? GENERIC_BUCKETS : SECONDS_BUCKETS.map((b) => b / scale);
}

/** Accumulates one window's samples into buckets. */
export interface DistributionBuilder {
  add(sample: number): void;
  /** The window so far, or undefined when it had no sample. */
  take(): Distribution | undefined;
  reset(): void;
}

export function createDistributionBuilder(unit: string): DistributionBuilder {
  const bounds = boundsFor(unit);
  const counts = new Array<number>(bounds.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  return {
    add(sample) {
      if (!Number.isFinite(sample)) return;
      // Bounds are few (< 30): a linear scan beats a binary search at this size.
      let i = 0;
      while (i < bounds.length && sample > (bounds[i] as number)) i += 1;
      counts[i] = (counts[i] as number) + 1;
      sum += sample;
      count += 1;
    },
    take: () => (count === 0 ? undefined : { unit, bounds, counts: [...counts], sum, count }),
    reset() {
      counts.fill(0);
      sum = 0;
      count = 0;
    },
  };
}
