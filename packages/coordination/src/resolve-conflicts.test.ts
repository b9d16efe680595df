import { createManualClock, type VariableConflict, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createCompromiseResolution } from './compromise-resolution';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { createLeaderElection } from './leader-election';
import { resolveConflicts } from './resolve-conflicts';

const temperature: VariableConflict = {
  variableId: 'temperature',
  conflictingAgents: ['coder', 'creative', 'reviewer'],
  requestedValues: [0.1, 1.2, 0.3],
  conflictType: 'value_incompatible',
  priorities: [2, 1, 3],
  weights: [0.4, 0.3, 0.3],
};

const gpu: VariableConflict = {
  variableId: 'gpu',
  conflictingAgents: ['trainer', 'evaluator'],
  requestedValues: ['trainer', 'evaluator'],
  conflictType: 'resource_competition',
  weights: [2, 1],
  priorities: [1, 5],
};

async function failure(run: Promise<unknown>): Promise<VarplaneError> {
  try {
    await run;
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected resolution to fail');
}

describe('resolveConflicts', () => {
  it('priority_based: the highest priority wins and the others are affected', async () => {
    const [resolution] = await resolveConflicts([temperature], 'priority_based');
    expect(resolution).toEqual({
      variableId: 'temperature',
      resolvedValue: 0.3,
      compromiseType: 'priority_override',
      affectedAgents: ['coder', 'creative'],
    });
  });

  it('voting: the value with the most weight wins without live agents', async () => {
    const [resolution] = await resolveConflicts(
      [
        {
          variableId: 'model',
          conflictingAgents: ['a', 'b', 'c'],
          requestedValues: ['large', 'small', 'small'],
          conflictType: 'value_incompatible',
          weights: [3, 1, 1],
        },
      ],
      'voting',
    );
    expect(resolution?.resolvedValue).toBe('large');
    expect(resolution?.affectedAgents).toEqual(['b', 'c']);
  });

  it('voting: live agents approve candidates, and a silent agent approves its own', async () => {
    const clock = createManualClock();
    const agents = createInMemoryAgentPort({
      coder: (q) => q.type === 'vote' && q.changes.temperature === 0.3,
      creative: (q) => q.type === 'vote' && q.changes.temperature !== 0.1,
      reviewer: () => new Promise(() => {}),
    });
    const run = resolveConflicts([temperature], 'voting', { agents, clock });
    await Promise.resolve();
    clock.advance(1_000);
    const [resolution] = await run;
    // 0.3 gets coder 0.4 + creative 0.3 + reviewer's own 0.3.
    expect(resolution?.resolvedValue).toBe(0.3);
  });

  it('leader_election: the leader by precedence decides, or a live leader picks among the requests', async () => {
    const [byPrecedence] = await resolveConflicts([gpu], 'leader_election');
    expect(byPrecedence?.resolvedValue).toBe('evaluator');
    const agents = createInMemoryAgentPort({
      evaluator: () => 'trainer',
      trainer: () => 'trainer',
    });
    const [live] = await resolveConflicts([gpu], 'leader_election', { agents });
    expect(live?.resolvedValue).toBe('trainer');
    expect(agents.asked[0]).toEqual({
      agent: 'evaluator',
      question: {
        type: 'preference',
        variableId: 'gpu',
        constraints: { allowed: ['trainer', 'evaluator'] },
        preferences: [{ agent: 'trainer', value: 'trainer', weight: 2 }],
      },
    });
    const stubborn = createInMemoryAgentPort({ evaluator: () => 'nobody' });
    const [ignored] = await resolveConflicts([gpu], 'leader_election', { agents: stubborn });
    expect(ignored?.resolvedValue).toBe('evaluator');
  });

  it('leader_election: a random election replays from its seed', async () => {
    const strategy = createLeaderElection({ election: 'random' });
    const leaders = new Set<unknown>();
    for (let seed = 0; seed < 30; seed++) {
      const [one] = await resolveConflicts([gpu], strategy, { seed });
      const [two] = await resolveConflicts([gpu], strategy, { seed });
      expect(two?.resolvedValue).toBe(one?.resolvedValue);
      leaders.add(one?.resolvedValue);
    }
    expect(leaders).toEqual(new Set(['trainer', 'evaluator']));
  });

  describe('compromise', () => {
    it('weighted_average: the weighted mean of numeric requests', async () => {
      const [resolution] = await resolveConflicts([temperature], 'compromise');
      expect(resolution).toMatchObject({ resolvedValue: 0.49, compromiseType: 'weighted_average' });
      expect(resolution?.affectedAgents).toEqual(['coder', 'creative', 'reviewer']);
    });

    it('time_sharing: an explicit schedule split by weight, higher priority first', async () => {
      const strategy = createCompromiseResolution({
        type: 'time_sharing',
        periodMs: 60_000,
        startAt: 1_000,
      });
      const [resolution] = await resolveConflicts([gpu], strategy);
      expect(resolution).toEqual({
        variableId: 'gpu',
        resolvedValue: 'evaluator',
        compromiseType: 'time_sharing',
        affectedAgents: ['trainer', 'evaluator'],
        schedule: [
          { agent: 'evaluator', value: 'evaluator', start: 1_000, duration: 20_000 },
          { agent: 'trainer', value: 'trainer', start: 21_000, duration: 40_000 },
        ],
      });
    });

    it('time_sharing starts the schedule at the clock now by default', async () => {
      const clock = createManualClock(5_000);
      const [resolution] = await resolveConflicts([gpu], 'compromise', { clock });
      expect(resolution?.compromiseType).toBe('time_sharing');
      expect(resolution?.schedule?.[0]?.start).toBe(5_000);
    });

    it('priority_override: the highest priority value', async () => {
      const strategy = createCompromiseResolution({ type: 'priority_override' });
      const [resolution] = await resolveConflicts([temperature], strategy);
      expect(resolution).toMatchObject({ resolvedValue: 0.3, compromiseType: 'priority_override' });
    });

    it('alternative_solution: the alternative nearest the weighted mean', async () => {
      const [resolution] = await resolveConflicts(
        [{ ...temperature, alternatives: [0.2, 0.5, 0.9] }],
        'compromise',
      );
      expect(resolution).toMatchObject({
        resolvedValue: 0.5,
        compromiseType: 'alternative_solution',
      });
      expect(resolution?.affectedAgents).toEqual(['coder', 'creative', 'reviewer']);
    });

    it('alternative_solution: for choices, the alternative most weight asked for', async () => {
      const [resolution] = await resolveConflicts(
        [{ ...gpu, conflictType: 'value_incompatible', alternatives: ['shared', 'trainer'] }],
        'compromise',
      );
      expect(resolution?.resolvedValue).toBe('trainer');
    });

    it('says when the chosen compromise cannot settle a conflict', async () => {
      const average = createCompromiseResolution({ type: 'weighted_average' });
      const error = await failure(resolveConflicts([gpu], average));
      expect(error.code).toBe('CONFLICT_UNRESOLVABLE');
      expect(error.message).toBe(
        'conflict over "gpu": weighted_average needs numbers, and trainer requested "trainer"',
      );
      const alternative = createCompromiseResolution({ type: 'alternative_solution' });
      expect((await failure(resolveConflicts([gpu], alternative))).code).toBe(
        'CONFLICT_UNRESOLVABLE',
      );
    });
  });

  it('returns nothing for no conflicts', async () => {
    await expect(resolveConflicts([], 'voting')).resolves.toEqual([]);
  });

  describe('bad input', () => {
    it('refuses values not aligned with the agents', async () => {
      const error = await failure(resolveConflicts([{ ...gpu, requestedValues: ['trainer'] }]));
      expect(error.code).toBe('CONFLICT_MISALIGNED');
      expect(error.message).toBe(
        'resolveConflicts: conflicts.0.requestedValues: must have one entry per conflicting agent (2) (got ["trainer"])',
      );
      expect((await failure(resolveConflicts([{ ...gpu, priorities: [1] }]))).code).toBe(
        'CONFLICT_MISALIGNED',
      );
    });

    it('refuses NaN values, negative weights, unknown types and unknown strategies', async () => {
      const nan = await failure(
        resolveConflicts([{ ...temperature, requestedValues: [1, Number.NaN, 2] }]),
      );
      expect(nan.message).toContain('conflicts.0.requestedValues.1: must be a finite number');
      const negative = await failure(resolveConflicts([{ ...gpu, weights: [1, -1] }]));
      expect(negative.message).toContain('conflicts.0.weights.1: must be >= 0');
      const type = await failure(
        resolveConflicts([{ ...gpu, conflictType: 'feud' as 'value_incompatible' }]),
      );
      expect(type.message).toContain('conflicts.0.conflictType');
      const unknown = await failure(resolveConflicts([gpu], 'coin_flip'));
      expect(unknown.message).toBe(
        'no conflict-resolution strategy named "coin_flip"; registered: priority_based, voting, leader_election, compromise',
      );
    });
  });
});
