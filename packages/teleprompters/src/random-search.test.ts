import { createManualClock, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
  trueScore,
} from '../test/synthetic-team';
import { randomSearch } from './random-search';
import { createTeamSpace } from './team-space';

const trainset = syntheticExamples(36);
const valset = syntheticExamples(30, 100);
const small = { numTrials: 40, minibatchSize: 9, valset, clock: createManualClock() };

describe('randomSearch', () => {
  it('improves a seeded team over its starting score', async () => {
    const space = syntheticTeam();
    const result = await randomSearch(space, trainset, exactMatch, {
      ...small,
      runner: syntheticRunner(),
      seed: 1,
    }).result;
    expect(result.score as number).toBeGreaterThan((result.baselineScore as number) + 0.15);
    expect(trueScore(result.config.values)).toBeGreaterThan(
      trueScore(createTeamSpace(space).current) + 0.15,
    );
    expect(result.config.source.strategy).toBe('sampled');
  });

  it('gives identical results for the same seed', async () => {
    const run = () =>
      randomSearch(syntheticTeam(), trainset, exactMatch, {
        ...small,
        runner: syntheticRunner(),
        seed: 8,
      }).result;
    expect((await run()).config).toEqual((await run()).config);
  });

  it('holds out part of the trainset for validation when no valset is given', async () => {
    const result = await randomSearch(syntheticTeam(), trainset, exactMatch, {
      numTrials: 3,
      minibatchSize: 4,
      runner: syntheticRunner(),
    }).result;
    expect(result.config.examplesScored).toBe(9);
    expect(result.trials[0]).toMatchObject({ purpose: 'validation', runs: 9 });
  });

  it('needs two examples to hold one out', () => {
    try {
      randomSearch(syntheticTeam(), trainset.slice(0, 1), exactMatch, {
        runner: syntheticRunner(),
      });
      expect.unreachable();
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'TRAINSET_TOO_SMALL')).toBe(true);
    }
  });
});
