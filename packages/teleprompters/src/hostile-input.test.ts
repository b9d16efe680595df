import { createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { syntheticExamples, syntheticTeam } from '../test/synthetic-team';
import { applyTeamConfig, validateTeamValues } from './apply-team-config';
import { bootstrapFewShot } from './bootstrap-few-shot';
import { createFileCheckpointStore, createMemoryCheckpointStore } from './checkpoint';
import { OptimizationAbortedError } from './errors';
import { evaluateTeamPerformance } from './evaluate-team-performance';
import { defaultDemoBuilder } from './internal/demos';
import { createRunTraceSink, createRuntimeTeamRunner } from './runtime-team-runner';
import { checkTeamConfig, isTeamConfig, serializeTeamConfig } from './team-config';
import { createAgentSelectionMutation, createParameterMutation } from './team-mutations';
import { agentTag, createTeamSpace, orchestrationTypeTag } from './team-space';
import { createTpeSampler } from './tpe';

/** A value every read of which throws, as a hostile caller may pass. */
const throwing = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('read');
      },
      getPrototypeOf() {
        throw new Error('read');
      },
      ownKeys() {
        throw new Error('read');
      },
      has() {
        throw new Error('read');
      },
      getOwnPropertyDescriptor() {
        throw new Error('read');
      },
    },
  );

const deep = () => {
  let value: unknown = [];
  for (let i = 0; i < 20_000; i++) value = [value];
  return value;
};

/** The code of the typed error `call` throws (it fails the test when it throws anything else). */
function codeOf(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(VarplaneError.isInstance(error)).toBe(true);
    return (error as VarplaneError).code;
  }
  throw new Error('expected a throw');
}

describe('hostile input to public entry points', () => {
  it('refuses unreadable spaces, options and configs with typed errors', () => {
    expect(codeOf(() => createTeamSpace(throwing() as never))).toBe('TEAM_SPACE_INVALID');
    expect(codeOf(() => checkTeamConfig(throwing()))).toBe('TEAM_CONFIG_INVALID');
    expect(codeOf(() => serializeTeamConfig(throwing() as never))).toBe('TEAM_CONFIG_INVALID');
    expect(isTeamConfig(throwing())).toBe(false);
    expect(codeOf(() => createRuntimeTeamRunner(throwing() as never))).toBe('INVALID_ARGUMENT');
    const space = syntheticTeam();
    expect(codeOf(() => applyTeamConfig(space, throwing() as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTeamValues(throwing() as never, {}))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => validateTeamValues(createTeamSpace(space), undefined as never))).toBe(
      'TEAM_CONFIG_INVALID',
    );
    expect(
      codeOf(() =>
        bootstrapFewShot(
          space,
          syntheticExamples(4),
          new Proxy(() => {}, { get: throwing }) as never,
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  it('names the field of a bad tag, trace, sampler space or mutation argument', () => {
    expect(codeOf(() => agentTag(Object.create(null)))).toBe('INVALID_ARGUMENT');
    expect(() => orchestrationTypeTag({ toString: throwing } as never)).toThrow(/type/);
    expect(codeOf(() => createRunTraceSink().record(undefined as never))).toBe('INVALID_ARGUMENT');
    expect(() => createRunTraceSink().record({} as never)).toThrow(/trace\.runId/);
    expect(codeOf(() => createTpeSampler(-1 as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => defaultDemoBuilder(throwing() as never))).toBe('INVALID_ARGUMENT');
    const mutation = createAgentSelectionMutation();
    const team = createTeamSpace(syntheticTeam());
    expect(() =>
      mutation.mutate('constructor' as never, {}, 0.5, { random: createRandom(1) } as never),
    ).toThrow(/space must be a VariableSpace/);
    expect(() => mutation.mutate(team.variables, team.current, 0.5, throwing() as never)).toThrow(
      /context/,
    );
  });

  it('builds an abort error from unreadable options, and checkpoints refuse what JSON cannot hold', async () => {
    const error = new OptimizationAbortedError(throwing() as never);
    expect(error.code).toBe('OPTIMIZATION_ABORTED');
    expect(error.completedRuns).toBe(0);
    expect(codeOf(() => createFileCheckpointStore(deep() as never))).toBe('CHECKPOINT_IO_FAILED');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => createMemoryCheckpointStore(cyclic as never))).toBe('CHECKPOINT_CORRUPT');
    await expect(createMemoryCheckpointStore().save(deep() as never)).rejects.toMatchObject({
      code: 'CHECKPOINT_CORRUPT',
    });
    await expect(
      evaluateTeamPerformance(
        syntheticTeam(),
        syntheticExamples(2),
        () => true,
        throwing() as never,
      ),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('mutations and the TPE sampler with unreadable arguments', () => {
  const trap = () => {
    throw new Error('trap');
  };
  const unreadable = () =>
    new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
  const codeOf = async (run: () => unknown) => {
    try {
      await run();
    } catch (error) {
      return VarplaneError.isInstance(error) ? error.code : 'untyped';
    }
    return 'no error';
  };

  it('refuse an unreadable or thenable configuration and an unreadable random, typed', async () => {
    const team = createTeamSpace(syntheticTeam());
    const context = { random: createRandom(1) };
    const mutation = createParameterMutation();
    const thenable = Promise.reject(new Error('late'));
    thenable.catch(() => {});
    for (const configuration of [unreadable(), thenable]) {
      expect(
        await codeOf(() =>
          mutation.mutate(team.variables, configuration as never, 0.5, context as never),
        ),
      ).toBe('INVALID_ARGUMENT');
    }
    const tpe = createTpeSampler(team.variables);
    expect(await codeOf(() => tpe.suggest([], unreadable() as never, team.current))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      await codeOf(() =>
        createTpeSampler(team.variables, { startupTrials: unreadable() } as never),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
