import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  createRandom,
  createVariableSpace,
  float,
  registerAgent,
  resourceAllocation,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createTeamSpace } from '../team-space';
import { fundSelected } from './fund-selected';
import { toWorkingTeam } from './working-team';

const agents = ['alpha', 'beta', 'gamma'];

function team(plans: Record<string, Record<string, number>>) {
  let space = createMultiAgentSpace({ id: 'crew', topology: 'custom' });
  for (const id of agents) {
    space = registerAgent(
      space,
      { id, behaviour: 'worker' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1], default: 0.5 }),
        ]),
      },
    );
  }
  space = addOrchestrationVariable(
    space,
    agentSelection('active', { agents, default: ['alpha'], constraints: { maxConcurrent: 2 } }),
  );
  space = addOrchestrationVariable(
    space,
    resourceAllocation('budget', { agents, resource: 'tokens', total: 100, plans }),
  );
  return createTeamSpace(space);
}

describe('fundSelected', () => {
  const crew = team({
    pair: { alpha: 1, beta: 1, gamma: 0 },
    solo: { alpha: 1, beta: 0, gamma: 0 },
    third: { alpha: 0, beta: 0.2, gamma: 1 },
  });

  it('moves to the plan that funds the selected agents most, never funding one less', () => {
    const both = crew.variables.validate({
      'team.active': ['alpha', 'beta'],
      'team.budget': 'equal',
    });
    // pair gives alpha and beta half each (a third under equal); solo starves beta.
    expect(fundSelected(crew, both)['team.budget']).toBe('pair');
    const alone = crew.variables.validate({ 'team.active': ['alpha'], 'team.budget': 'pair' });
    expect(fundSelected(crew, alone)['team.budget']).toBe('solo');
  });

  it('keeps a plan no other beats for every selected agent', () => {
    // third gives gamma the most, but another plan would fund beta less: nothing dominates it.
    const given = crew.variables.validate({
      'team.active': ['beta', 'gamma'],
      'team.budget': 'third',
    });
    expect(fundSelected(crew, given)).toBe(given);
  });

  it('gives roles and resources to the agents that work in one step', () => {
    const given = crew.variables.validate({ 'team.active': ['beta'], 'team.budget': 'solo' });
    expect(toWorkingTeam(crew, given, createRandom(1))['team.budget']).toBe('pair');
  });
});
