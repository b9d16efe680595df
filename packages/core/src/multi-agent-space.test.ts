import { describe, expect, it } from 'vitest';
import type { AdaptationEventInput } from './adaptation';
import {
  addOrchestrationVariable,
  addScalingPolicy,
  connectAgents,
  createMultiAgentSpace,
  findAdaptation,
  recordAdaptation,
  registerAgent,
  removeAgent,
  setAgentRole,
  setAgentStatus,
  setLocalConfiguration,
  setTopology,
  setVariableValue,
  updateResourcePool,
} from './multi-agent-space';
import { agentSelection, communicationTopology, custom } from './orchestration-variable';
import { createVariableSpace } from './variable-space';
import { choice } from './variables/choice';
import { float } from './variables/float';

function team() {
  let space = createMultiAgentSpace({
    id: 'team',
    topology: 'star',
    resourcePool: { tokens: 10_000 },
  });
  for (const id of ['planner', 'coder', 'reviewer'])
    space = registerAgent(space, { id, behaviour: id });
  return space;
}

describe('MultiAgentSpace', () => {
  it('starts empty with unlimited resources except those given', () => {
    const space = createMultiAgentSpace({ id: 'team', resourcePool: { tokens: 500 } });
    expect(space.agents).toEqual({});
    expect(space.resourcePool.tokens).toBe(500);
    expect(space.resourcePool.totalMemory).toBe(Number.MAX_SAFE_INTEGER);
    expect(space.version).toBe(0);
    expect(Object.isFrozen(space)).toBe(true);
  });

  it('registers agents with defaults and wires them by the space topology', () => {
    const space = team();
    expect(space.agents.coder).toMatchObject({
      behaviour: 'coder',
      role: 'executor',
      status: 'inactive',
      supervision: { restart: 'permanent' },
    });
    expect(space.coordinationGraph.nodes).toEqual(['planner', 'coder', 'reviewer']);
    expect(space.coordinationGraph.edges).toEqual([
      { from: 'planner', to: 'coder', type: 'coordination' },
      { from: 'coder', to: 'planner', type: 'coordination' },
      { from: 'planner', to: 'reviewer', type: 'coordination' },
      { from: 'reviewer', to: 'planner', type: 'coordination' },
    ]);
    expect(space.version).toBe(3);
  });

  it('never changes the space it was given, and shares what did not change', () => {
    const before = team();
    const after = setAgentStatus(before, 'coder', 'active');
    expect(before.agents.coder?.status).toBe('inactive');
    expect(after.agents.coder?.status).toBe('active');
    expect(after.agents.planner).toBe(before.agents.planner);
    expect(after.coordinationGraph).toBe(before.coordinationGraph);
    expect(() => {
      (after.agents as Record<string, unknown>).ghost = {};
    }).toThrow();
  });

  it('re-lays coordination edges when the topology changes, keeping other edge types', () => {
    let space = connectAgents(team(), 'coder', 'reviewer', 'data');
    space = setTopology(space, 'ring');
    expect(space.coordinationGraph.topology).toBe('ring');
    expect(space.coordinationGraph.edges).toEqual([
      { from: 'coder', to: 'reviewer', type: 'data' },
      { from: 'planner', to: 'coder', type: 'coordination' },
      { from: 'coder', to: 'reviewer', type: 'coordination' },
      { from: 'reviewer', to: 'planner', type: 'coordination' },
    ]);
    expect(connectAgents(space, 'coder', 'reviewer', 'data')).toBe(space);
  });

  it('validates local configurations with the agent local space', () => {
    const local = createVariableSpace([float('temperature', { range: [0, 2], default: 0.7 })]);
    let space = registerAgent(
      team(),
      { id: 'writer', behaviour: 'writer' },
      { localVariables: local },
    );
    expect(space.agents.writer?.localConfiguration).toEqual({ temperature: 0.7 });
    space = setLocalConfiguration(space, 'writer', { temperature: 1.1 });
    expect(space.agents.writer?.localConfiguration).toEqual({ temperature: 1.1 });
    expect(() => setLocalConfiguration(space, 'writer', { temperature: 5 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('writer.temperature'),
      }),
    );
    expect(() =>
      registerAgent(
        team(),
        { id: 'w', behaviour: 'w', localConfiguration: { temperature: -1 } },
        { localVariables: local },
      ),
    ).toThrow(/localConfiguration\.temperature/);
  });

  it('sets a variable whose domain is conditional on another orchestration variable', () => {
    // A star's hub exists only under the star topology: its domain names the topology variable,
    // which a check of the hub alone cannot see; setting the hub used to throw for that reason.
    const agents = ['planner', 'coder', 'reviewer'];
    let space = addOrchestrationVariable(team(), communicationTopology('net', { agents }));
    space = addOrchestrationVariable(
      space,
      custom('hub', {
        agents,
        domain: choice('hub', {
          choices: agents,
          default: 'planner',
          condition: { variable: 'net', when: { equals: 'star' } },
        }),
        coordination: () => [],
      }),
    );
    space = setVariableValue(space, 'hub', 'coder');
    expect(space.orchestrationVariables.hub?.value).toBe('coder');
    expect(() => setVariableValue(space, 'hub', 'nobody')).toThrow(
      expect.objectContaining({ code: 'ORCHESTRATION_INVALID_VALUE' }),
    );
  });

  it('adds orchestration variables and sets their values within their domains', () => {
    let space = addOrchestrationVariable(
      team(),
      communicationTopology('net', { agents: ['planner', 'coder', 'reviewer'] }),
    );
    space = setVariableValue(space, 'net', 'mesh');
    expect(space.orchestrationVariables.net?.value).toBe('mesh');
    expect(() => setVariableValue(space, 'net', 'hexagon')).toThrow(
      expect.objectContaining({ code: 'ORCHESTRATION_INVALID_VALUE' }),
    );
    expect(() => setVariableValue(space, 'nope', 'mesh')).toThrow(
      expect.objectContaining({
        code: 'SPACE_VARIABLE_UNKNOWN',
        message: expect.stringContaining('variables: net'),
      }),
    );
    expect(() =>
      addOrchestrationVariable(space, communicationTopology('net', { agents: ['coder'] })),
    ).toThrow(expect.objectContaining({ code: 'SPACE_VARIABLE_DUPLICATE' }));
    expect(() =>
      addOrchestrationVariable(space, agentSelection('sel', { agents: ['coder', 'ghost'] })),
    ).toThrow(
      expect.objectContaining({
        code: 'SPACE_AGENT_UNKNOWN',
        message: expect.stringContaining('sel.agents[1]'),
      }),
    );
    expect(() => removeAgent(space, 'coder')).toThrow(/still coordinated by net/);
  });

  it('records adaptations with unique ids and finds them again', () => {
    const event: AdaptationEventInput = {
      id: 'e1',
      timestamp: 5,
      trigger: 'external_signal',
      operation: 'coordinateAgents',
      changes: [],
      outcome: 'success',
      performanceImpact: 0,
    };
    const space = recordAdaptation(team(), event);
    expect(findAdaptation(space, 'e1')).toMatchObject({ ...event, errors: [] });
    expect(() => recordAdaptation(space, event)).toThrow(/already in the history/);
    expect(() => findAdaptation(space, 'e2')).toThrow(
      expect.objectContaining({ code: 'SPACE_EVENT_UNKNOWN' }),
    );
    expect(() =>
      recordAdaptation(space, { ...event, id: 'e3', trigger: 'boredom' as never }),
    ).toThrow(/trigger/);
  });

  it('refuses bad transitions with typed errors naming the field and value', () => {
    const space = team();
    expect(() => registerAgent(space, { id: 'coder', behaviour: 'coder' })).toThrow(
      expect.objectContaining({ code: 'SPACE_AGENT_DUPLICATE' }),
    );
    expect(() =>
      registerAgent(space, { id: 'x', behaviour: 'x', role: 'wizard' as never }),
    ).toThrow(/role/);
    expect(() =>
      registerAgent(space, { id: 'x', behaviour: 'x', resources: { memory: -1 } }),
    ).toThrow(/resources\.memory/);
    expect(() => setAgentStatus(space, 'ghost', 'active')).toThrow(
      expect.objectContaining({
        code: 'SPACE_AGENT_UNKNOWN',
        message: expect.stringContaining('"ghost"'),
      }),
    );
    expect(() => connectAgents(space, 'coder', 'coder')).toThrow(
      expect.objectContaining({ code: 'SPACE_EDGE_INVALID' }),
    );
    expect(() => connectAgents(space, 'coder', 'planner', 'gossip' as never)).toThrow(
      /type must be one of/,
    );
    expect(() => setTopology(space, 'hexagon' as never)).toThrow(/pattern must be one of/);
    expect(() => updateResourcePool(space, { tokens: -5 })).toThrow(/tokens/);
    expect(() =>
      addScalingPolicy(space, {
        agent: 'coder',
        metric: 'mailboxDepth',
        scaleUpThreshold: 1,
        scaleDownThreshold: 5,
        maxInstances: 3,
      }),
    ).toThrow(/scaleDownThreshold/);
    expect(() => createMultiAgentSpace({ id: '' })).toThrow(/id/);
  });

  it('removes an agent with its edges', () => {
    const space = removeAgent(team(), 'reviewer');
    expect(Object.keys(space.agents)).toEqual(['planner', 'coder']);
    expect(
      space.coordinationGraph.edges.every((e) => e.from !== 'reviewer' && e.to !== 'reviewer'),
    ).toBe(true);
  });
});

describe('setAgentRole', () => {
  it('changes a role, and refuses unknown agents and roles', () => {
    const space = setAgentRole(team(), 'coder', 'evaluator');
    expect(space.agents.coder?.role).toBe('evaluator');
    expect(setAgentRole(space, 'coder', 'evaluator')).toBe(space);
    expect(() => setAgentRole(space, 'ghost', 'monitor')).toThrow(
      expect.objectContaining({ code: 'SPACE_AGENT_UNKNOWN' }),
    );
    expect(() => setAgentRole(space, 'coder', 'wizard' as never)).toThrow(/role must be one of/);
  });
});
