import { createManualClock, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { applyTeamConfig } from './apply-team-config';
import { bootstrapFewShot } from './bootstrap-few-shot';
import { simba } from './simba';

// The API card's own spellings: they act exactly as this package's names do.
const trainset = syntheticExamples(18);
const base = { bsize: 6, numCandidates: 3, seed: 5, clock: createManualClock() };

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return VarplaneError.isInstance(error) ? `${error.code}: ${error.message}` : 'untyped';
  }
  return 'none';
};

describe("the card's names", () => {
  it('simba takes generations and mutationStrategies as the card writes them, with the same result', async () => {
    const asCard = await simba(syntheticTeam(), trainset, exactMatch, {
      ...base,
      runner: syntheticRunner(),
      generations: 3,
      mutationStrategies: ['agent_selection', 'parameter_mutation'],
    }).result;
    const asPackage = await simba(syntheticTeam(), trainset, exactMatch, {
      ...base,
      runner: syntheticRunner(),
      maxSteps: 3,
      strategies: ['agent_selection', 'parameter_mutation'],
    }).result;
    expect(asCard.config.values).toEqual(asPackage.config.values);
    expect(asCard.score).toBe(asPackage.score);
    expect(asCard.usage.metricCalls).toBe(asPackage.usage.metricCalls);
  });

  it('refuses both names with different values, naming the alias', () => {
    const runner = syntheticRunner();
    expect(
      codeOf(() =>
        simba(syntheticTeam(), trainset, exactMatch, {
          ...base,
          runner,
          strategies: ['agent_selection'],
          mutationStrategies: ['topology_mutation'],
        }),
      ),
    ).toMatch(/^INVALID_ARGUMENT: simba: options\.mutationStrategies is another name/);
    expect(
      codeOf(() =>
        simba(syntheticTeam(), trainset, exactMatch, {
          ...base,
          runner,
          maxSteps: 2,
          generations: 3,
        }),
      ),
    ).toMatch(/^INVALID_ARGUMENT: simba: options\.generations/);
    // The same value under both names is no conflict.
    expect(
      codeOf(() =>
        simba(syntheticTeam(), trainset, exactMatch, {
          ...base,
          runner,
          maxSteps: 2,
          generations: 2,
        }),
      ),
    ).toBe('none');
  });

  it('bootstrapFewShot takes its metric third, like simba and beacon, with the same result', async () => {
    const space = applyTeamConfig(syntheticTeam(), {
      'team.active': ['mathematician', 'writer'],
      'mathematician.temperature': 0.2,
      'writer.temperature': 0.8,
    });
    const options = { maxBootstrappedDemos: 2, seed: 3 };
    const third = await bootstrapFewShot(space, trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
    }).result;
    const inOptions = await bootstrapFewShot(space, trainset, {
      ...options,
      runner: syntheticRunner(),
      metric: exactMatch,
    }).result;
    expect(third.config.values).toEqual(inOptions.config.values);
    expect(third.score).toBe(inOptions.score);
    expect(
      codeOf(() =>
        bootstrapFewShot(space, trainset, exactMatch, {
          runner: syntheticRunner(),
          metric: () => 1,
        }),
      ),
    ).toMatch(/^INVALID_ARGUMENT: bootstrapFewShot: options\.metric/);
  });
});
