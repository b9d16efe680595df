import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  createRandom,
  createVariableSpace,
  float,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { syntheticTeam } from '../test/synthetic-team';
import { agentTag, createTeamSpace, orchestrationTypeTag } from './team-space';

describe('createTeamSpace', () => {
  it('joins orchestration domains and agent variables under their prefixes', () => {
    const team = createTeamSpace(syntheticTeam());
    expect(team.variables.variables.map((variable) => variable.id)).toEqual([
      'team.active',
      'team.topology',
      'team.tokens',
      'mathematician.temperature',
      'mathematician.demos',
      'mathematician.instructions',
      'coder.temperature',
      'coder.demos',
      'coder.instructions',
      'writer.temperature',
      'writer.demos',
      'writer.instructions',
    ]);
    expect(team.locate('team.topology')).toEqual({ kind: 'orchestration', variableId: 'topology' });
    expect(team.locate('coder.temperature')).toEqual({
      kind: 'agent',
      agentId: 'coder',
      localId: 'temperature',
    });
    expect(team.agentVariableIds('writer')).toEqual([
      'writer.temperature',
      'writer.demos',
      'writer.instructions',
    ]);
  });

  it('tags what each variable is, so strategies can target them', () => {
    const team = createTeamSpace(syntheticTeam());
    expect(team.variables.get('team.active')?.hints.tags).toEqual([
      'varplane:orchestration',
      orchestrationTypeTag('agent_selection'),
    ]);
    expect(team.variables.get('coder.temperature')?.hints.tags).toEqual([
      'varplane:agent',
      agentTag('coder'),
    ]);
  });

  it("reads the team's current values", () => {
    const team = createTeamSpace(syntheticTeam());
    expect(team.current).toMatchObject({
      'team.active': ['writer'],
      'team.topology': 'ring',
      'team.tokens': 'equal',
      'coder.temperature': 0.95,
      'coder.instructions': 'Answer.',
    });
  });

  it('keeps agent ids with dots exact', () => {
    let space = createMultiAgentSpace({ id: 'dots' });
    space = registerAgent(
      space,
      { id: 'team.lead', behaviour: 'lead' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1], default: 0.5 }),
        ]),
      },
    );
    const team = createTeamSpace(space);
    expect(team.agentParts).toEqual({ 'team.lead': 'team~lead' });
    expect(team.locate('team~lead.temperature')).toEqual({
      kind: 'agent',
      agentId: 'team.lead',
      localId: 'temperature',
    });
    expect(team.variables.sample(createRandom(1))['team~lead.temperature']).toBeTypeOf('number');
  });

  it('refuses an agent named like the orchestration prefix, naming it', () => {
    let space = createMultiAgentSpace({ id: 'clash' });
    space = registerAgent(
      space,
      { id: 'team', behaviour: 'lead' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1], default: 0.5 }),
        ]),
      },
    );
    space = addOrchestrationVariable(space, agentSelection('active', { agents: ['team'] }));
    expect(() => createTeamSpace(space)).toThrow(/space\.agents\.team clashes/);
    expect(
      createTeamSpace(space, { orchestrationPart: 'orchestration' }).locate('orchestration.active'),
    ).toEqual({
      kind: 'orchestration',
      variableId: 'active',
    });
  });

  it('throws TEAM_SPACE_INVALID for something that is not a team', () => {
    for (const bad of [
      null,
      {},
      { id: 'x', agents: {}, orchestrationVariables: {}, localVariables: {} },
    ]) {
      try {
        createTeamSpace(bad as never);
        expect.unreachable();
      } catch (error) {
        expect(VarplaneError.isInstance(error, 'TEAM_SPACE_INVALID')).toBe(true);
      }
    }
  });
});
