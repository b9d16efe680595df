import { createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { beacon } from './beacon';
import { CONSTANT_SCORE_TRIALS, type ProgressEvent } from './progress';
import { simba } from './simba';
import type { TeamMetric } from './team-runner';

const trainset = syntheticExamples(18);
// The team answers `answer`; this metric reads `result`, which neither side has: undefined ===
// undefined, so every run scores 1 and no candidate can look better than another.
const misreads: TeamMetric = (example, run) =>
  run.output?.result === example.expectedOutput?.result;

async function warningsOf(run: {
  progress$: import('rxjs').Observable<ProgressEvent>;
  result: Promise<unknown>;
}) {
  const events: ProgressEvent[] = [];
  run.progress$.subscribe((event) => events.push(event));
  await run.result;
  return events.filter((event) => event.type === 'metric-constant');
}

describe('a metric that scores every run alike', () => {
  it('is reported once, after the first trials, by simba and beacon', async () => {
    const options = { runner: syntheticRunner(), clock: createManualClock(), seed: 3 };
    // Each started only when its events are watched: progress$ does not replay.
    for (const start of [
      () => simba(syntheticTeam(), trainset, misreads, { ...options, bsize: 6, maxSteps: 4 }),
      () =>
        beacon(syntheticTeam(), trainset, misreads, { ...options, numTrials: 8, minibatchSize: 6 }),
    ]) {
      const run = start();
      const warnings = await warningsOf(run);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({
        type: 'metric-constant',
        score: 1,
        trials: CONSTANT_SCORE_TRIALS,
        failures: 0,
      });
      expect((warnings[0] as { runs: number }).runs).toBeGreaterThan(1);
    }
  });

  it('is not reported for a metric that tells runs apart', async () => {
    const run = simba(syntheticTeam(), trainset, exactMatch, {
      runner: syntheticRunner(),
      clock: createManualClock(),
      seed: 3,
      bsize: 6,
      maxSteps: 4,
    });
    expect(await warningsOf(run)).toEqual([]);
  });
});
