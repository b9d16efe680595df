import { createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { syntheticTeam } from '../test/synthetic-team';
import { applyTeamConfig } from './apply-team-config';
import {
  parseTeamConfig,
  serializeTeamConfig,
  TEAM_CONFIG_FORMAT,
  TEAM_CONFIG_VERSION,
  type TeamConfig,
} from './team-config';
import { createTeamSpace } from './team-space';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return VarplaneError.isInstance(error) ? error.code : 'not a varplane error';
  }
  return undefined;
}

describe('applyTeamConfig', () => {
  it('applies sampled configurations exactly, through the space transitions', () => {
    const space = syntheticTeam();
    const team = createTeamSpace(space);
    const random = createRandom(11);
    for (let i = 0; i < 20; i++) {
      const configuration = team.variables.sample(random);
      const applied = applyTeamConfig(space, configuration);
      expect(createTeamSpace(applied).current).toEqual(configuration);
      expect(applied.orchestrationVariables.active?.value).toEqual(configuration['team.active']);
      expect(applied.agents.coder?.localConfiguration.temperature).toBe(
        configuration['coder.temperature'],
      );
    }
    expect(space.orchestrationVariables.active?.value).toEqual(['writer']);
  });

  it('refuses to read a configuration from what is not a space, typed', () => {
    const team = createTeamSpace(syntheticTeam());
    const unreadable = new Proxy(
      {},
      {
        get: () => {
          throw new Error('trap');
        },
      },
    );
    for (const bad of [new Set(), unreadable, null, 'team']) {
      expect(codeOf(() => team.configurationOf(bad as never))).toBe('TEAM_SPACE_INVALID');
    }
    expect(team.configurationOf(syntheticTeam())).toEqual(team.current);
  });

  it('changes nothing when the values are the current ones', () => {
    const space = syntheticTeam();
    expect(applyTeamConfig(space, createTeamSpace(space).current)).toBe(space);
  });

  it('applies a serialized team config read back from JSON', () => {
    const space = syntheticTeam();
    const values = createTeamSpace(space).variables.sample(createRandom(3));
    const config: TeamConfig = {
      format: TEAM_CONFIG_FORMAT,
      version: TEAM_CONFIG_VERSION,
      spaceId: space.id,
      values,
      score: 0.5,
      scoredOn: 'validation',
      examplesScored: 10,
      source: {
        optimizer: 'simba',
        seed: 1,
        candidate: 4,
        parent: 2,
        strategy: 'topology_mutation',
      },
      origins: { 'team.topology': { candidate: 4, by: 'topology_mutation' } },
    };
    const parsed = parseTeamConfig(serializeTeamConfig(config));
    expect(parsed).toEqual(config);
    expect(createTeamSpace(applyTeamConfig(space, parsed)).current).toEqual(values);
  });

  it('refuses configs for another team, unknown ids, bad values and other versions', () => {
    const space = syntheticTeam();
    const base = {
      format: TEAM_CONFIG_FORMAT,
      version: TEAM_CONFIG_VERSION,
      spaceId: space.id,
      values: {},
      score: null,
      scoredOn: 'none',
      examplesScored: 0,
      source: { optimizer: 'simba', seed: 0, candidate: 0, parent: null, strategy: null },
      origins: {},
    } as const;
    expect(codeOf(() => applyTeamConfig(space, { ...base, spaceId: 'other' }))).toBe(
      'TEAM_CONFIG_SPACE_MISMATCH',
    );
    expect(codeOf(() => applyTeamConfig(space, { ...base, version: 2 } as never))).toBe(
      'TEAM_CONFIG_VERSION_UNSUPPORTED',
    );
    expect(codeOf(() => applyTeamConfig(space, { 'coder.nope': 1 }))).toBe('TEAM_CONFIG_INVALID');
    expect(() => applyTeamConfig(space, { 'coder.temperature': 7 })).toThrow(
      /coder\.temperature: must be within \[0, 1\] \(got 7\)/,
    );
    expect(codeOf(() => parseTeamConfig('{not json'))).toBe('TEAM_CONFIG_INVALID');
  });
});
