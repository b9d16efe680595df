import { createManualClock, type ManualClock, VarplaneError } from '@varplane/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { beacon } from './beacon';
import { bootstrapFewShot } from './bootstrap-few-shot';
import { randomSearch } from './random-search';
import { simba } from './simba';
import type { TeamRunner } from './team-runner';

const trainset = syntheticExamples(12);
const valset = syntheticExamples(6, 100);

let unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', onUnhandled);
});
afterEach(() => {
  process.off('unhandledRejection', onUnhandled);
});

/** Lets every pending callback and rejection handler run (unhandled rejections surface here). */
const settleEventLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Waits for `promise`, moving the manual clock by `step` whenever nothing else is left to run. */
async function drive<T>(clock: ManualClock, promise: Promise<T>, step: number): Promise<T> {
  let done = false;
  const watched = promise.finally(() => {
    done = true;
  });
  watched.catch(() => undefined);
  for (let i = 0; i < 10_000 && !done; i++) {
    await settleEventLoop();
    if (!done) clock.advance(step);
  }
  return watched;
}

describe('a runner that aborts the optimization from inside run', () => {
  it('rejects with OPTIMIZATION_ABORTED and leaves no unhandled rejection', async () => {
    for (const start of [randomSearch, beacon] as const) {
      const controller = new AbortController();
      const inner = syntheticRunner();
      const runner: TeamRunner = {
        run(request) {
          controller.abort(new Error('stop now'));
          return inner.run(request);
        },
      };
      const run = start(syntheticTeam(), trainset, exactMatch, {
        runner,
        valset,
        numTrials: 5,
        minibatchSize: 6,
        signal: controller.signal,
      });
      await expect(run.result).rejects.toMatchObject({ code: 'OPTIMIZATION_ABORTED' });
      await settleEventLoop();
      await settleEventLoop();
      expect(unhandled).toEqual([]);
    }
  });

  it('holds for SIMBA and bootstrapFewShot too', async () => {
    for (const which of ['simba', 'bootstrap'] as const) {
      const controller = new AbortController();
      const inner = syntheticRunner();
      let calls = 0;
      const runner: TeamRunner = {
        run(request) {
          // Aborts in the middle of a trial's runs, not at its first.
          if (++calls === 3) controller.abort();
          return inner.run(request);
        },
      };
      const common = { runner, valset, signal: controller.signal, concurrency: 2 };
      const run =
        which === 'simba'
          ? simba(syntheticTeam(), trainset, exactMatch, { ...common, bsize: 6, numCandidates: 3 })
          : bootstrapFewShot(syntheticTeam(), trainset, { ...common, metric: exactMatch });
      await expect(run.result).rejects.toMatchObject({ code: 'OPTIMIZATION_ABORTED' });
      await settleEventLoop();
      expect(unhandled).toEqual([]);
    }
  });
});

describe('a runner that resolves to garbage', () => {
  const garbage: readonly unknown[] = [
    {},
    Number.NaN,
    'a string',
    null,
    undefined,
    { output: { answer: 'x' }, traces: [] },
    { output: { answer: 'x' }, traces: [], usage: { inputTokens: 1, outputTokens: 1 } },
    {
      output: { answer: 'x' },
      traces: [],
      usage: { inputTokens: -5, outputTokens: 0, totalTokens: -5 },
    },
    { output: 'x', traces: [], usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 } },
    {
      get output(): never {
        throw new Error('hostile getter');
      },
      traces: [],
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
    },
  ];

  it('rejects with TEAM_RUNNER_INVALID_RESULT naming the field, with no unhandled rejection', async () => {
    for (const value of garbage) {
      const runner: TeamRunner = { run: async () => value as never };
      const run = randomSearch(syntheticTeam(), trainset, exactMatch, {
        runner,
        valset,
        numTrials: 3,
        minibatchSize: 4,
      });
      const error = await run.result.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(VarplaneError.isInstance(error, 'TEAM_RUNNER_INVALID_RESULT')).toBe(true);
      expect((error as Error).message).toMatch(/runner\.run/);
      await settleEventLoop();
      expect(unhandled).toEqual([]);
    }
  });

  it('names the bad field in the message', async () => {
    const runner: TeamRunner = {
      run: async () => ({ output: undefined, traces: [], usage: { totalTokens: 1 } }) as never,
    };
    const run = randomSearch(syntheticTeam(), trainset, exactMatch, { runner, valset });
    await expect(run.result).rejects.toThrow(/result\.usage\.inputTokens/);
  });
});

describe('deadlines on user callbacks', () => {
  it('fails a run whose runner never settles with TEAM_RUN_TIMEOUT and aborts its signal', async () => {
    const clock = createManualClock();
    let aborted = 0;
    const runner: TeamRunner = {
      run: (request) =>
        new Promise(() => {
          request.signal.addEventListener('abort', () => aborted++);
        }),
    };
    const run = randomSearch(syntheticTeam(), trainset, exactMatch, {
      runner,
      valset,
      clock,
      numTrials: 2,
      minibatchSize: 3,
      runTimeoutMs: 1_000,
    });
    const failed: string[] = [];
    run.progress$.subscribe((event) => {
      if (event.type === 'trial-finished' && event.failures > 0) failed.push(event.purpose);
    });
    const result = await drive(clock, run.result, 1_000);
    expect(result.failures).toBe(result.usage.metricCalls);
    expect(result.failures).toBeGreaterThan(0);
    expect(aborted).toBe(result.failures);
    expect(result.score).toBe(0);
    expect(failed).toContain('validation');
  });

  it('fails a run whose metric never settles with METRIC_TIMEOUT', async () => {
    const clock = createManualClock();
    const run = beacon(syntheticTeam(), trainset, () => new Promise<number>(() => undefined), {
      runner: syntheticRunner(),
      valset,
      clock,
      numTrials: 2,
      minibatchSize: 3,
      metricTimeoutMs: 500,
    });
    const result = await drive(clock, run.result, 500);
    expect(result.failures).toBe(result.usage.metricCalls);
    expect(result.trials.every((trial) => trial.failures === trial.runs)).toBe(true);
  });

  it('skips a mutation plugin that never settles with MUTATION_TIMEOUT', async () => {
    const clock = createManualClock();
    const hanging = {
      kind: 'mutation' as const,
      name: 'hangs',
      specificationVersion: 'v1' as const,
      mutate: () => new Promise<never>(() => undefined),
    };
    const run = simba(syntheticTeam(), trainset, exactMatch, {
      runner: syntheticRunner(),
      valset,
      clock,
      bsize: 4,
      numCandidates: 2,
      maxSteps: 2,
      strategies: [hanging],
      mutationTimeoutMs: 200,
    });
    const result = await drive(clock, run.result, 200);
    expect(result.skipped).toContainEqual({
      strategy: 'hangs',
      reason: 'MUTATION_TIMEOUT: did not settle within 200 ms (options.mutationTimeoutMs)',
    });
    // No candidate came from the plugin: the result is the given team or a starting one.
    expect(['baseline', 'population']).toContain(result.config.source.strategy ?? 'baseline');
  });

  it('refuses deadlines a host timer cannot honour', () => {
    for (const runTimeoutMs of [0, -1, 2 ** 31, Number.NaN, 1.5]) {
      expect(() =>
        randomSearch(syntheticTeam(), trainset, exactMatch, {
          runner: syntheticRunner(),
          runTimeoutMs,
        }),
      ).toThrow(/options\.runTimeoutMs/);
    }
  });
});
