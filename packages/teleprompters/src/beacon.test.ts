import { createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/fake-lm';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
  trueScore,
} from '../test/synthetic-team';
import { beacon } from './beacon';
import { createMemoryCheckpointStore } from './checkpoint';
import { createTeamSpace } from './team-space';

const trainset = syntheticExamples(36);
const valset = syntheticExamples(30, 100);
const small = { numTrials: 40, minibatchSize: 9, valset, clock: createManualClock() };

describe('beacon', { timeout: 30_000 }, () => {
  it('improves a seeded team over its starting score', async () => {
    const space = syntheticTeam();
    const result = await beacon(space, trainset, exactMatch, {
      ...small,
      runner: syntheticRunner(),
      seed: 1,
    }).result;
    expect(result.baselineScore).toBeCloseTo(0.3333, 3);
    // The mean of the winner's validation runs over the rounds of the final race.
    expect(result.score).toBeCloseTo(0.65, 3);
    expect(trueScore(result.config.values)).toBeGreaterThan(
      trueScore(createTeamSpace(space).current) + 0.2,
    );
    expect(result.config.source.strategy).toBe('tpe');
    // 40 trials of 9 and the promotions of the best ones to more mini-batches (at most 2 each);
    // the given team's validation, 4 periodic ones, and a final race of 16 (the 11 not yet
    // validated run first; then 8, 4 and 2 run again).
    const minibatches = result.trials.filter((trial) => trial.purpose === 'minibatch').length;
    const validations = result.trials.filter((trial) => trial.purpose === 'validation').length;
    expect(minibatches).toBeGreaterThan(40);
    expect(minibatches).toBeLessThanOrEqual(3 * 40);
    expect(validations).toBe(1 + 4 + 11 + 8 + 4 + 2);
    expect(result.usage.metricCalls).toBe(minibatches * 9 + validations * 30);
  });

  it('fills agents demos with their steps from runs that met the metric', async () => {
    const runner = syntheticRunner();
    const withDemos: unknown[][] = [];
    const result = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...small,
      seed: 4,
      runner: {
        run: (request) => {
          const held = request.configuration['mathematician.demos'] as unknown[];
          if (held.length > 0) withDemos.push(held);
          return runner.run(request);
        },
      },
    }).result;
    // The space has no demo pool, so every demo tried was bootstrapped, within the budget.
    expect(withDemos.length).toBeGreaterThan(0);
    for (const held of withDemos) {
      expect(held.length).toBeLessThanOrEqual(3);
      for (const demo of held) {
        expect(demo).toMatchObject({ inputs: { question: expect.any(String) } });
        expect((demo as { labels: object }).labels).toHaveProperty('answer');
      }
    }
    expect(result.usage.metricCalls).toBe(runner.calls);
  });

  it('stops on abort, and the checkpoint resumes to the same result', {
    timeout: 20_000,
  }, async () => {
    const options = { ...small, seed: 6 };
    const uninterrupted = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
    }).result;
    const checkpoint = createMemoryCheckpointStore();
    const controller = new AbortController();
    const first = beacon(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
      checkpoint,
      signal: controller.signal,
    });
    let finished = 0;
    first.progress$.subscribe((event) => {
      if (event.type === 'trial-finished' && ++finished === 25) controller.abort();
    });
    await expect(first.result).rejects.toMatchObject({ code: 'OPTIMIZATION_ABORTED' });
    const saved = checkpoint.current?.runs.length ?? 0;
    expect(saved).toBeGreaterThan(100);
    const runner = syntheticRunner();
    const resumed = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner,
      checkpoint,
    }).result;
    expect(resumed.config).toEqual(uninterrupted.config);
    expect(resumed.trials).toEqual(uninterrupted.trials);
    expect(runner.calls).toBe(uninterrupted.usage.metricCalls - saved);
  });

  it('gives identical results for the same seed', async () => {
    const run = () =>
      beacon(syntheticTeam(), trainset, exactMatch, {
        ...small,
        runner: syntheticRunner(),
        seed: 5,
      }).result;
    const first = await run();
    const second = await run();
    expect(second.config).toEqual(first.config);
    expect(second.trials).toEqual(first.trials);
  });

  it('searches instructions an LM proposes', async () => {
    const lm = scriptedLanguageModel((_, call) =>
      JSON.stringify([`Proposal ${call}a: think step by step.`, `Proposal ${call}b: be brief.`]),
    );
    const seen = new Set<string>();
    const runner = syntheticRunner();
    const result = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...small,
      lm,
      instructionCandidates: 2,
      seed: 2,
      runner: {
        run: (request) => {
          seen.add(String(request.configuration['coder.instructions']));
          return runner.run(request);
        },
      },
    }).result;
    expect(lm.requests).toHaveLength(3);
    expect(result.usage.lmCalls).toBe(3);
    expect([...seen].some((instruction) => instruction.startsWith('Proposal'))).toBe(true);
    expect(result.skipped).toEqual([]);
  });

  it('says instruction proposals need an LM when there is none', async () => {
    const result = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...small,
      numTrials: 2,
      runner: syntheticRunner(),
    }).result;
    expect(result.skipped).toEqual([
      {
        strategy: 'instruction_proposals',
        reason:
          'no LM was given (options.lm); instructions are searched among their own candidates',
      },
    ]);
  });

  it('stops early when validation stops improving', async () => {
    const result = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...small,
      numTrials: 200,
      fullEvalEvery: 2,
      patience: 2,
      runner: syntheticRunner(),
      seed: 3,
    }).result;
    expect(result.stopReason).toBe('early_stopped');
    expect(result.trials.filter((trial) => trial.purpose === 'minibatch').length).toBeLessThan(200);
  });

  it('never exceeds a cost budget', async () => {
    const result = await beacon(syntheticTeam(), trainset, exactMatch, {
      ...small,
      numTrials: 200,
      runner: syntheticRunner({ costPerAgent: 0.01 }),
      budget: { maxCost: 5, maxCostPerRun: 0.02 },
      concurrency: 3,
    }).result;
    expect(result.usage.cost).toBeLessThanOrEqual(5);
    expect(result.stopReason).toBe('budget_exhausted');
  });
});
