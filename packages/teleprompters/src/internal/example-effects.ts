/**
 * Scores of many candidates on shared examples, read as candidate effect plus example effect.
 * Examples differ in difficulty far more than close candidates differ in quality, so a candidate
 * that drew easy examples looks better than it is; subtracting each example's mean over the other
 * candidates that ran it (shrunk toward the mean of all runs while few did) leaves the
 * candidate's own effect. With every candidate run on an example with the same seed, this is
 * the paired comparison the runs allow.
 */
export interface ExampleEffects {
  add(candidate: number, exampleIndex: number, score: number): void;
  /** Mean of all runs (0 before any). */
  overall(): number;
  /**
   * The candidate's mean adjusted for the difficulty of the examples it ran, shrunk toward the
   * mean of all runs by `prior` pseudo-runs; `undefined` before it has run.
   */
  adjusted(candidate: number, prior: number): number | undefined;
  /** Runs of one candidate. */
  count(candidate: number): number;
}

/** Pseudo-runs at the overall mean an example's mean is shrunk with. */
const EXAMPLE_PRIOR = 2;

export function createExampleEffects(): ExampleEffects {
  const byExample = new Map<number, { sum: number; count: number }>();
  const byCandidate = new Map<number, { exampleIndex: number; score: number }[]>();
  let sum = 0;
  let count = 0;
  return {
    add(candidate, exampleIndex, score) {
      const example = byExample.get(exampleIndex) ?? { sum: 0, count: 0 };
      example.sum += score;
      example.count++;
      byExample.set(exampleIndex, example);
      const runs = byCandidate.get(candidate) ?? [];
      runs.push({ exampleIndex, score });
      byCandidate.set(candidate, runs);
      sum += score;
      count++;
    },
    overall: () => (count === 0 ? 0 : sum / count),
    count: (candidate) => byCandidate.get(candidate)?.length ?? 0,
    adjusted(candidate, prior) {
      const runs = byCandidate.get(candidate);
      if (runs === undefined || runs.length === 0) return undefined;
      const mean = count === 0 ? 0 : sum / count;
      let residuals = 0;
      for (const run of runs) {
        const example = byExample.get(run.exampleIndex) as { sum: number; count: number };
        // The example's mean over the other runs of it, so a run is not its own yardstick.
        const others =
          (example.sum - run.score + EXAMPLE_PRIOR * mean) / (example.count - 1 + EXAMPLE_PRIOR);
        residuals += run.score - others;
      }
      return mean + residuals / (runs.length + prior);
    },
  };
}
