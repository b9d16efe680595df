import {
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createMultiAgentSpace,
  type MultiAgentSpace,
  type RuntimeEvent,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { SpaceValidationError } from './errors';
import { type EchoState, run } from './internal/space-fixture';

const settle = async (rounds = 20) => {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
};
const ofType = <T extends RuntimeEvent['type']>(events: RuntimeEvent[], type: T) =>
  events.filter((e): e is Extract<RuntimeEvent, { type: T }> => e.type === type);

function reasoningTeam(
  faultTolerance?: Parameters<typeof communicationTopology>[1]['faultTolerance'],
) {
  let space = createMultiAgentSpace({ id: 'reasoning' });
  for (const id of ['planner', 'executor', 'reviewer'])
    space = registerAgent(space, { id, behaviour: 'echo' });
  return addOrchestrationVariable(
    space,
    communicationTopology('reasoning_net', {
      agents: ['planner', 'executor', 'reviewer'],
      patterns: ['star', 'ring', 'mesh'],
      ...(faultTolerance === undefined ? {} : { faultTolerance }),
    }),
  );
}

function coderTeam(
  faultTolerance: Parameters<typeof agentSelection>[1]['faultTolerance'],
): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'coders' });
  for (const id of ['python_coder', 'elixir_coder', 'javascript_coder'])
    space = registerAgent(space, { id, behaviour: 'echo' });
  return addOrchestrationVariable(
    space,
    agentSelection('coder_agent', {
      agents: ['python_coder', 'elixir_coder', 'javascript_coder'],
      default: ['python_coder', 'elixir_coder'],
      constraints: { maxConcurrent: 2 },
      faultTolerance,
    }),
  );
}

describe("an orchestration variable's fault tolerance", () => {
  it('graceful_degradation: a crash-looping executor leaves the team working and its mail accounted for', async () => {
    const { team, events, latest } = await run(reasoningTeam('graceful_degradation'));
    await team.startAgents();
    await team.coordinateAgents();
    // Four crashes (the space allows three restarts), then 25 tasks queued behind them.
    for (let i = 0; i < 4; i++) team.send('executor', 'crash');
    for (let i = 0; i < 25; i++) team.send('executor', { task: i });
    await settle();

    expect(latest().agents.executor?.status).toBe('failed');
    expect(ofType(events, 'agent-restarted').filter((e) => e.agent === 'executor')).toHaveLength(3);
    const [dead] = ofType(events, 'mail-dead-lettered');
    expect(dead?.agent).toBe('executor');
    expect(dead?.messages).toEqual(Array.from({ length: 25 }, (_, i) => ({ task: i })));
    // The others keep working, and nobody is wired to the failed agent any more.
    expect((await team.call<EchoState>('planner', 'status?')).id).toBe('planner');
    expect((await team.call<EchoState>('reviewer', 'status?')).id).toBe('reviewer');
    expect(ofType(events, 'space-stopped')).toHaveLength(0);
    await expect(team.call('executor', 'status?')).rejects.toMatchObject({
      code: 'AGENT_NOT_RUNNING',
    });
    expect(latest().adaptationHistory.at(-1)).toMatchObject({
      operation: 'faultRecovery',
      trigger: 'fault_detected',
    });
    await team.stop();
  });

  it('without one, the same crash loop takes the team down (the space supervisor gives up)', async () => {
    const { team, events } = await run(reasoningTeam());
    await team.startAgents();
    for (let i = 0; i < 4; i++) team.send('executor', 'crash');
    await settle();
    expect(ofType(events, 'space-stopped')).toHaveLength(1);
    await expect(team.call('planner', 'status?')).rejects.toMatchObject({
      code: 'SPACE_NOT_RUNNING',
    });
  });

  it('maxRetries counts restarts within the period: past it the agent degrades', async () => {
    const { team, events, latest } = await run(
      reasoningTeam({ strategy: 'graceful_degradation', maxRetries: 1 }),
    );
    await team.startAgents();
    team.send('executor', 'crash');
    team.send('executor', 'crash');
    await settle();
    expect(ofType(events, 'agent-restarted').filter((e) => e.agent === 'executor')).toHaveLength(1);
    expect(latest().agents.executor?.status).toBe('failed');
    await team.stop();
  });

  it("re-routes a degraded coder's queued tasks to the other selected coder", async () => {
    const { team, events, latest } = await run(
      coderTeam({ strategy: 'graceful_degradation', maxRetries: 0 }),
    );
    await team.coordinateAgents();
    team.send('python_coder', 'crash');
    for (let i = 0; i < 5; i++) team.send('python_coder', `task ${i}`);
    await settle();
    expect(ofType(events, 'mail-rerouted')).toEqual([
      expect.objectContaining({ agent: 'python_coder', to: 'elixir_coder', count: 5 }),
    ]);
    const elixir = await team.call<EchoState>('elixir_coder', 'what did you get?');
    expect(elixir.seen).toEqual(['task 0', 'task 1', 'task 2', 'task 3', 'task 4']);
    // Later sends to the failed coder go to its peer too.
    team.send('python_coder', 'task 5');
    expect((await team.call<EchoState>('elixir_coder', '?')).seen.at(-1)).toBe('task 5');
    expect(latest().agents.python_coder?.status).toBe('failed');
    await team.stop();
  });

  it('failover: the selection gives the failed coder’s place to the spare one', async () => {
    const { team, latest } = await run(coderTeam({ strategy: 'failover', maxRetries: 0 }));
    await team.coordinateAgents();
    team.send('python_coder', 'crash');
    await settle();
    const space = latest();
    expect(space.orchestrationVariables.coder_agent?.value).toEqual([
      'javascript_coder',
      'elixir_coder',
    ]);
    expect(space.agents.javascript_coder?.status).toBe('active');
    expect(space.agents.python_coder?.status).toBe('failed');
    expect((await team.call<EchoState>('javascript_coder', '?')).id).toBe('javascript_coder');
    await team.stop();
  });

  it('failover to a fallbackValue, also when handleAgentFailure reports the failure', async () => {
    const { team, latest } = await run(
      coderTeam({ strategy: 'failover', fallbackValue: ['javascript_coder'] }),
    );
    await team.coordinateAgents();
    const next = await team.handleAgentFailure('elixir_coder', new Error('LM quota exceeded'));
    expect(next.orchestrationVariables.coder_agent?.value).toEqual(['javascript_coder']);
    expect(next.agents.elixir_coder?.status).toBe('failed');
    expect(next.agents.python_coder?.status).toBe('inactive');
    expect(latest().agents.javascript_coder?.status).toBe('active');
    await team.stop();
  });

  it('fail_fast: the first failure fails the team', async () => {
    const { team, events } = await run(reasoningTeam('fail_fast'));
    await team.startAgents();
    team.send('executor', 'crash');
    await settle();
    expect(ofType(events, 'agent-restarted')).toHaveLength(0);
    expect(ofType(events, 'space-stopped')).toHaveLength(1);
  });

  it('retry: restarts with backoff up to maxRetries, then fails the team', async () => {
    const { team, events, clock } = await run(reasoningTeam({ strategy: 'retry', maxRetries: 2 }));
    await team.startAgents();
    for (let i = 0; i < 3; i++) team.send('executor', 'crash');
    // Within the space's 5 s restart period, so all three crashes count.
    for (let round = 0; round < 8; round++) {
      await settle(5);
      clock.advance(500);
    }
    await settle();
    const restarts = ofType(events, 'agent-restarted').filter((e) => e.agent === 'executor');
    expect(restarts).toHaveLength(2);
    expect(restarts.every((e) => e.delayMs > 0)).toBe(true);
    expect(ofType(events, 'space-stopped')).toHaveLength(1);
  });

  it('refuses maxRetries above the space restart limit, and a fallback outside the domain', async () => {
    const space = coderTeam({ strategy: 'failover', maxRetries: 9, fallbackValue: ['nobody'] });
    const error = await run(space).catch((e: unknown) => e);
    expect(SpaceValidationError.isInstance(error)).toBe(true);
    expect((error as SpaceValidationError).issues.map((i) => i.path)).toEqual([
      'orchestrationVariables.coder_agent.faultTolerance.maxRetries',
      'orchestrationVariables.coder_agent.faultTolerance.fallbackValue',
    ]);
  });
});
