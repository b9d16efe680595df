import { createRandom, createStrategyRegistry, systemClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { syntheticTeam } from '../test/synthetic-team';
import { createTeamMutations } from './team-mutations';
import { createTeamSpace } from './team-space';

const context = (seed: number) => ({
  random: createRandom(seed),
  clock: systemClock,
  signal: new AbortController().signal,
});

function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return Object.keys(b).filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]));
}

describe('team mutation strategies', () => {
  const team = createTeamSpace(syntheticTeam());
  const mutations = createTeamMutations();

  it('are mutation plugins a registry accepts', () => {
    const registry = createStrategyRegistry();
    for (const strategy of Object.values(mutations)) registry.register(strategy);
    expect(registry.get('mutation', 'topology_mutation')).toBe(mutations.topology_mutation);
  });

  it('each moves only the variables it is about, to valid values', async () => {
    const expected: Record<string, RegExp> = {
      agent_selection: /^team\.active$/,
      topology_mutation: /^team\.topology$/,
      resource_reallocation: /^team\.tokens$/,
      parameter_mutation: /^(mathematician|coder|writer)\.(temperature|instructions)$/,
    };
    for (const [name, strategy] of Object.entries(mutations)) {
      for (let seed = 0; seed < 10; seed++) {
        const next = await strategy.mutate(team.variables, team.current, 0.3, context(seed));
        expect(team.variables.check(next).ok).toBe(true);
        const changed = changedKeys(team.current, next);
        expect(changed.length).toBeGreaterThan(0);
        for (const key of changed) expect(key).toMatch(expected[name] as RegExp);
      }
    }
  });

  it('keeps at least one agent selected', async () => {
    let configuration = team.current;
    for (let seed = 0; seed < 30; seed++) {
      configuration = await mutations.agent_selection.mutate(
        team.variables,
        configuration,
        0.5,
        context(seed),
      );
      expect((configuration['team.active'] as string[]).length).toBeGreaterThanOrEqual(1);
      expect((configuration['team.active'] as string[]).length).toBeLessThanOrEqual(2);
    }
  });

  it('moves more parameters at a higher strength, deterministically per seed', async () => {
    const weak = await mutations.parameter_mutation.mutate(
      team.variables,
      team.current,
      0.1,
      context(4),
    );
    const strong = await mutations.parameter_mutation.mutate(
      team.variables,
      team.current,
      1,
      context(4),
    );
    expect(changedKeys(team.current, weak)).toHaveLength(1);
    // Three temperatures and three instructions with candidates.
    expect(changedKeys(team.current, strong)).toHaveLength(6);
    expect(
      await mutations.parameter_mutation.mutate(team.variables, team.current, 1, context(4)),
    ).toEqual(strong);
  });

  it('rejects a strength outside [0, 1]', () => {
    expect(() =>
      mutations.topology_mutation.mutate(team.variables, team.current, 2, context(1)),
    ).toThrow(/strength must be a number in \[0, 1\] \(got 2\)/);
  });
});
