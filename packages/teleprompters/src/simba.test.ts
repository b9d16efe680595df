import { createManualClock, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/fake-lm';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
  trueScore,
} from '../test/synthetic-team';
import { createMemoryCheckpointStore } from './checkpoint';
import type { ProgressEvent } from './progress';
import { simba } from './simba';
import { createTeamSpace } from './team-space';

const trainset = syntheticExamples(36);
const valset = syntheticExamples(30, 100);
const small = { bsize: 9, numCandidates: 4, maxSteps: 8, valset, clock: createManualClock() };

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return VarplaneError.isInstance(error) ? error.code : 'not a varplane error';
  }
  return undefined;
}

describe('simba', { timeout: 30_000 }, () => {
  it('improves a seeded team over its starting score, chosen on held-out examples', async () => {
    const space = syntheticTeam();
    const result = await simba(space, trainset, exactMatch, {
      ...small,
      runner: syntheticRunner(),
      seed: 1,
    }).result;
    expect(result.baselineScore).toBeCloseTo(0.3333, 3);
    // The mean of the winner's validation runs over the rounds of the final race.
    expect(result.score).toBeCloseTo(0.6267, 3);
    expect(result.trials.filter((trial) => trial.purpose === 'validation').length).toBeGreaterThan(
      8,
    );
    expect(result.config.scoredOn).toBe('validation');
    expect(result.config.examplesScored).toBe(30);
    expect(trueScore(result.config.values)).toBeGreaterThan(
      trueScore(createTeamSpace(space).current) + 0.15,
    );
    expect(result.config.source).toMatchObject({ optimizer: 'simba', seed: 1 });
    expect(createTeamSpace(result.space).current).toEqual(result.config.values);
    // Every value says which candidate set it and how.
    for (const [id, origin] of Object.entries(result.config.origins)) {
      expect(Object.hasOwn(result.config.values, id)).toBe(true);
      expect(origin.candidate).toBeLessThanOrEqual(result.config.source.candidate);
    }
  });

  it('starts from a random population a share of the budget pays for, and runs only its best again', async () => {
    const populationOf = async (budget: { maxMetricCalls: number } | undefined) => {
      const result = await simba(syntheticTeam(), trainset, exactMatch, {
        ...small,
        numCandidates: 2,
        runner: syntheticRunner(),
        seed: 2,
        ...(budget === undefined ? {} : { budget }),
      }).result;
      const firstSampling = result.trials.findIndex((trial) => trial.purpose === 'sampling');
      const start = result.trials
        .slice(0, firstSampling)
        .filter((trial) => trial.purpose === 'minibatch');
      const sampled = new Set(
        result.trials.filter((trial) => trial.purpose === 'sampling').map((t) => t.candidate),
      );
      return { start: start.map((trial) => trial.candidate), sampled };
    };
    // 15% of the 1,500 search runs of a 2,000-call budget, at 9 runs a team: 25 random teams and
    // the given one.
    const funded = await populationOf({ maxMetricCalls: 2000 });
    expect(funded.start.length).toBe(26);
    // Only the leaders (the best 2 at each step) run again; most of the population never does.
    const rerun = funded.start.filter((id) => funded.sampled.has(id));
    expect(rerun.length).toBeLessThan(funded.start.length / 2);
    // Without a call budget, numCandidates random teams and the given one.
    expect((await populationOf(undefined)).start.length).toBe(3);
  });

  it('gives identical results for the same seed, whatever the concurrency', async () => {
    const run = (concurrency: number) =>
      simba(syntheticTeam(), trainset, exactMatch, {
        ...small,
        runner: syntheticRunner(),
        seed: 2,
        concurrency,
      }).result;
    const first = await run(1);
    const second = await run(6);
    expect(second.config).toEqual(first.config);
    expect(second.trials).toEqual(first.trials);
    expect(second.usage).toEqual(first.usage);
  });

  it('skips append_rule without an LM, and says so', async () => {
    const events: ProgressEvent[] = [];
    const run = simba(syntheticTeam(), trainset, exactMatch, {
      ...small,
      maxSteps: 1,
      runner: syntheticRunner(),
    });
    run.progress$.subscribe((event) => events.push(event));
    const result = await run.result;
    const reason = 'no LM was given (options.lm), so no rule can be written';
    expect(result.skipped).toEqual([{ strategy: 'append_rule', reason }]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'strategy-skipped', strategy: 'append_rule', reason }),
    );
    expect(events[0]?.type).toBe('optimization-started');
    expect(events.at(-1)?.type).toBe('optimization-finished');
    expect(events.some((event) => event.type === 'budget-used')).toBe(true);
    expect(events.some((event) => event.type === 'best-improved')).toBe(true);
  });

  it('writes rules with an LM: advice from a good and a bad run lands in instructions', async () => {
    const lm = scriptedLanguageModel((request) => {
      const asked = JSON.parse(request.messages[1]?.content ?? '{}') as {
        answerFormat: Record<string, string>;
      };
      return JSON.stringify(
        Object.fromEntries(
          Object.keys(asked.answerFormat).map((agent) => [agent, `check ${agent}`]),
        ),
      );
    });
    const runner = syntheticRunner();
    const advised = new Set<string>();
    const spy = {
      run: (request: Parameters<typeof runner.run>[0]) => {
        for (const [id, value] of Object.entries(request.configuration)) {
          if (id.endsWith('.instructions') && String(value).includes('Advice: check'))
            advised.add(id);
        }
        return runner.run(request);
      },
    };
    const result = await simba(syntheticTeam(), trainset, exactMatch, {
      ...small,
      runner: spy,
      strategies: ['append_rule'],
      lm,
      seed: 3,
    }).result;
    expect(lm.requests.length).toBeGreaterThan(0);
    expect(result.usage.lmCalls).toBe(lm.requests.length);
    expect(result.usage.tokens).toBeGreaterThan(result.usage.metricCalls * 10);
    expect(result.skipped).toEqual([]);
    // The prompt shows the LM a good and a bad run of the same task.
    const prompt = JSON.parse(lm.requests[0]?.messages[1]?.content ?? '{}');
    expect(prompt.goodRun.score).toBe(1);
    expect(prompt.badRun.score).toBe(0);
    // Candidates carrying the advice were built and run.
    expect(advised.size).toBeGreaterThan(0);
  });

  it('never exceeds a metric-call budget, and stops for it', async () => {
    const runner = syntheticRunner();
    const result = await simba(syntheticTeam(), trainset, exactMatch, {
      ...small,
      runner,
      budget: { maxMetricCalls: 200 },
    }).result;
    expect(result.usage.metricCalls).toBeLessThanOrEqual(200);
    expect(runner.calls).toBe(result.usage.metricCalls);
    expect(result.stopReason).toBe('budget_exhausted');
    expect(result.score).not.toBeNull();
  });

  it('never exceeds a token budget', async () => {
    const result = await simba(syntheticTeam(), trainset, exactMatch, {
      ...small,
      runner: syntheticRunner({ tokensPerAgent: 7 }),
      budget: { maxTokens: 1500, maxTokensPerRun: 14 },
    }).result;
    expect(result.usage.tokens).toBeLessThanOrEqual(1500);
    expect(result.stopReason).toBe('budget_exhausted');
  });

  it('contains a metric that throws: a failed run, not a crash', async () => {
    let calls = 0;
    const result = await simba(
      syntheticTeam(),
      trainset,
      (example, run) => {
        calls++;
        if (calls % 5 === 0) throw new Error('metric exploded');
        return exactMatch(example, run);
      },
      { ...small, maxSteps: 2, runner: syntheticRunner() },
    ).result;
    expect(result.failures).toBe(Math.floor(calls / 5));
    expect(result.failures).toBeGreaterThan(10);
    expect(result.score).not.toBeNull();
  });

  it('stops promptly on abort, and the checkpoint resumes to the same result', {
    timeout: 20_000,
  }, async () => {
    const options = { ...small, seed: 7, checkpointEvery: 10 };
    const uninterrupted = await simba(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
    }).result;

    const checkpoint = createMemoryCheckpointStore();
    const controller = new AbortController();
    const first = simba(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
      checkpoint,
      signal: controller.signal,
    });
    let finished = 0;
    first.progress$.subscribe((event) => {
      if (event.type === 'trial-finished' && ++finished === 12) controller.abort();
    });
    await expect(first.result).rejects.toMatchObject({ code: 'OPTIMIZATION_ABORTED' });
    const saved = checkpoint.current?.runs.length ?? 0;
    expect(saved).toBeGreaterThan(50);
    expect(saved).toBeLessThan(uninterrupted.usage.metricCalls);

    const runner = syntheticRunner();
    const resumed = await simba(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner,
      checkpoint,
    }).result;
    expect(resumed.config).toEqual(uninterrupted.config);
    expect(resumed.trials).toEqual(uninterrupted.trials);
    expect(runner.calls).toBe(uninterrupted.usage.metricCalls - saved);
  });

  it('rejects at once when aborted while runs hang', async () => {
    const controller = new AbortController();
    const run = simba(syntheticTeam(), trainset, exactMatch, {
      ...small,
      runner: syntheticRunner({ hang: true }),
      signal: controller.signal,
    });
    let started = 0;
    run.progress$.subscribe((event) => {
      if (event.type === 'trial-started' && ++started === 1)
        queueMicrotask(() => controller.abort());
    });
    await expect(run.result).rejects.toMatchObject({
      code: 'OPTIMIZATION_ABORTED',
      completedRuns: 0,
    });
  });

  it('throws typed errors for a bad space, an empty trainset and bad options', () => {
    const runner = syntheticRunner();
    expect(codeOf(() => simba({} as never, trainset, exactMatch, { runner }))).toBe(
      'TEAM_SPACE_INVALID',
    );
    expect(codeOf(() => simba(syntheticTeam(), [], exactMatch, { runner }))).toBe('TRAINSET_EMPTY');
    expect(() => simba(syntheticTeam(), trainset, exactMatch, { runner, bsize: 0 })).toThrow(
      /options\.bsize/,
    );
    expect(() =>
      simba(syntheticTeam(), [{ input: 'nope' } as never], exactMatch, { runner }),
    ).toThrow(/trainset\[0\]\.input/);
    expect(
      codeOf(() =>
        simba(syntheticTeam(), trainset, exactMatch, { runner, strategies: ['append_rule'] }),
      ),
    ).toBe('TEAM_SPACE_NOT_SEARCHABLE');
  });
});
