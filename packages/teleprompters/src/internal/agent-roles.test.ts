import { choice, createRandom, createVariableSpace, demos } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { assignRolesToSelected } from './agent-roles';

const selection = demos('team.active', {
  maxCount: 2,
  pool: ['alpha', 'beta', 'gamma'],
  default: ['alpha'],
  hints: { tags: ['varplane:orchestration', 'varplane:orchestration:agent_selection'] },
});
const hub = choice('team.hub', { choices: ['alpha', 'beta', 'gamma'], default: 'alpha' });
const style = choice('team.style', { choices: ['alpha', 'plain'], default: 'plain' });
const space = createVariableSpace([selection, hub, style]);

describe('assignRolesToSelected', () => {
  it('moves a role held by an unselected agent to a selected one, and nothing else', () => {
    const random = createRandom(4);
    const given = space.validate({
      'team.active': ['beta', 'gamma'],
      'team.hub': 'alpha',
      'team.style': 'alpha',
    });
    const hubs = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const next = assignRolesToSelected(space, given, random);
      hubs.add(next['team.hub'] as string);
      expect(next['team.active']).toEqual(['beta', 'gamma']);
      // Its choices are not all agents: not a role.
      expect(next['team.style']).toBe('alpha');
    }
    expect([...hubs].sort()).toEqual(['beta', 'gamma']);
  });

  it('returns the same configuration when every role is held by a selected agent', () => {
    const given = space.validate({ 'team.active': ['alpha', 'beta'], 'team.hub': 'beta' });
    expect(assignRolesToSelected(space, given, createRandom(1))).toBe(given);
  });

  it('leaves a team without a selection variable alone', () => {
    const plain = createVariableSpace([hub]);
    const given = plain.validate({ 'team.hub': 'gamma' });
    expect(assignRolesToSelected(plain, given, createRandom(1))).toBe(given);
  });
});
