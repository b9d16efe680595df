import {
  type AdaptationEvent,
  createMultiAgentSpace,
  type FaultRecoveryConfigInput,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { type EchoState, run } from './internal/space-fixture';
import type { SpaceAgentArgs } from './space-agent';

const settle = () => new Promise((resolve) => setImmediate(resolve));
const lastEvent = (space: MultiAgentSpace) => space.adaptationHistory.at(-1) as AdaptationEvent;

function teamOf(
  ids: readonly string[],
  faultRecovery: FaultRecoveryConfigInput = {},
  extra: Partial<Parameters<typeof createMultiAgentSpace>[0]> = {},
) {
  let space = createMultiAgentSpace({ id: 'team', faultRecovery, ...extra });
  for (const id of ids) space = registerAgent(space, { id, behaviour: 'echo' });
  return space;
}

describe('handleAgentFailure', () => {
  it('restarts the agent under its supervisor and measures the time to recover', async () => {
    const slowStart: Behaviour<string, unknown, SpaceAgentArgs> = {
      name: 'slow-start',
      init: (args, ctx) =>
        new Promise((resolve) => ctx.clock.setTimeout(() => resolve(args.agentId), 30)),
      handle(_m, id, ctx) {
        ctx.reply(id);
        return id;
      },
    };
    let space = createMultiAgentSpace({ id: 'team' });
    space = registerAgent(space, { id: 'coder', behaviour: 'slow-start' });
    const { team, clock } = await run(space, { 'slow-start': slowStart });
    const starting = team.startAgents();
    await settle();
    clock.advance(30);
    await starting;
    const recovering = team.handleAgentFailure('coder', new Error('LM timed out'));
    await settle();
    clock.advance(30);
    const next = await recovering;
    expect(team.system.info('coder')).toMatchObject({ status: 'running', restarts: 1 });
    expect(next.performanceMetrics.faultRecoveryTime).toBe(30);
    expect(lastEvent(next)).toMatchObject({
      trigger: 'fault_detected',
      operation: 'handleAgentFailure',
      outcome: 'success',
      changes: [
        {
          variableId: 'agents.coder.restarts',
          oldValue: 0,
          newValue: 1,
          affectedAgents: ['coder'],
        },
      ],
    });
  });

  it('replaces an agent with its fallback, and rolls the replacement back', async () => {
    const { team } = await run(
      teamOf(['coder', 'backup'], {
        perAgent: { coder: 'replace' },
        fallbacks: { coder: 'backup' },
      }),
    );
    await team.startAgents();
    const replaced = await team.handleAgentFailure('coder', 'quota exceeded');
    expect(replaced.agents.coder?.status).toBe('failed');
    expect((await team.call<EchoState>('coder', 'who?')).id).toBe('backup');
    const restored = await team.rollback(lastEvent(replaced).id);
    expect(lastEvent(restored)).toMatchObject({ operation: 'rollback', outcome: 'rolled_back' });
    expect(restored.agents.coder?.status).toBe('active');
    expect((await team.call<EchoState>('coder', 'who?')).id).toBe('coder');
  });

  it('degrades: the agent stops and drops out of its neighbours lists', async () => {
    const { team } = await run(
      teamOf(['a', 'b', 'c'], { perAgent: { b: 'degrade' } }, { topology: 'mesh' }),
    );
    await team.startAgents();
    const next = await team.handleAgentFailure('b', { error: { name: 'Error', message: 'gone' } });
    expect(next.agents.b?.status).toBe('failed');
    const probe: Behaviour<null, unknown> = {
      name: 'probe',
      handle(_m, s, ctx) {
        ctx.reply(ctx.neighbours().map((r) => r.id));
        return s;
      },
    };
    await team.system.hotSwap('a', probe);
    expect(await team.call('a', 'who?')).toEqual(['c']);
  });

  it('escalates by restarting the whole team in order', async () => {
    const { team, journal, events } = await run(teamOf(['a', 'b'], { defaultAction: 'escalate' }));
    await team.startAgents();
    journal.length = 0;
    await team.handleAgentFailure('b', 'corrupted memory');
    expect(journal).toEqual(['terminate b', 'terminate a', 'init a', 'init b']);
    expect(events.some((e) => e.type === 'supervisor-escalated')).toBe(true);
  });

  it('ignores when told to, and refuses unknown agents with a typed error', async () => {
    const { team } = await run(teamOf(['a'], { defaultAction: 'ignore' }));
    await team.startAgents();
    const next = await team.handleAgentFailure('a', 'noise');
    expect(lastEvent(next)).toMatchObject({ outcome: 'success', changes: [] });
    expect(team.system.info('a')?.restarts).toBe(0);
    await expect(team.handleAgentFailure('ghost', 'x')).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
  });
});

describe('failures the space notices by itself', () => {
  it('routes a crashed agent to its fallback when its action is replace', async () => {
    const { team, latest } = await run(
      teamOf(['coder', 'backup'], {
        perAgent: { coder: 'replace' },
        fallbacks: { coder: 'backup' },
      }),
    );
    await team.startAgents();
    team.send('coder', 'crash');
    await team.system.whenIdle();
    await settle();
    expect(latest().agents.coder?.status).toBe('failed');
    expect(lastEvent(latest())).toMatchObject({
      trigger: 'fault_detected',
      operation: 'faultRecovery',
    });
    expect((await team.call<EchoState>('coder', 'who?')).id).toBe('backup');
  });

  it('records a replacement that cannot happen instead of throwing', async () => {
    const broken: Behaviour<null, unknown> = {
      name: 'broken',
      init() {
        throw new Error('no capacity');
      },
      handle: (_m, s) => s,
    };
    let space = createMultiAgentSpace({
      id: 'team',
      faultRecovery: { perAgent: { coder: 'replace' }, fallbacks: { coder: 'backup' } },
    });
    space = registerAgent(space, { id: 'coder', behaviour: 'echo' });
    space = registerAgent(space, { id: 'backup', behaviour: 'broken' });
    const { team, latest } = await run(space, { broken });
    await team.startAgents();
    team.send('coder', 'crash');
    await team.system.whenIdle();
    await settle();
    expect(latest().agents.coder?.status).toBe('failed');
    expect(lastEvent(latest())).toMatchObject({
      operation: 'faultRecovery',
      outcome: 'failure',
      errors: [expect.objectContaining({ code: 'CHILD_START_FAILED' })],
    });
    await expect(team.call('coder', 'anyone?')).rejects.toMatchObject({
      code: 'AGENT_NOT_RUNNING',
    });
  });

  it('stops an agent that exhausts its token budget, and reports the refusal', async () => {
    const spender: Behaviour<null, number, SpaceAgentArgs> = {
      name: 'spender',
      init: () => null,
      handle(tokens, state, ctx) {
        ctx.spend({ tokens });
        return state;
      },
    };
    let space = createMultiAgentSpace({ id: 'team' });
    space = registerAgent(space, {
      id: 'writer',
      behaviour: 'spender',
      resources: { tokens: 100 },
    });
    const { team, events, latest } = await run(space, { spender });
    await team.startAgents();
    team.send('writer', 80);
    team.send('writer', 80);
    await team.system.whenIdle();
    await settle();
    expect(events.find((e) => e.type === 'budget-exhausted')).toMatchObject({
      agent: 'writer',
      resource: 'tokens',
      requested: 80,
      available: 20,
    });
    expect(latest().agents.writer?.status).toBe('failed');
    expect(team.system.info('writer')).toBeUndefined();
  });

  it('never over-commits the pool: an agent that does not fit fails to start', async () => {
    let space = createMultiAgentSpace({
      id: 'team',
      resourcePool: { totalMemory: 100, availableMemory: 100 },
    });
    space = registerAgent(space, { id: 'big', behaviour: 'echo', resources: { memory: 60 } });
    space = registerAgent(space, { id: 'bigger', behaviour: 'echo', resources: { memory: 60 } });
    const { team } = await run(space);
    const next = await team.startAgents();
    expect(next.agents.bigger?.status).toBe('failed');
    expect(next.resourcePool.availableMemory).toBe(40);
    expect(lastEvent(next).errors[0]?.message).toMatch(/memory/);
  });

  it('stops the space when its supervisor runs out of restarts', async () => {
    const { team, events, latest } = await run(
      teamOf(['a', 'b'], { maxRestarts: 1, periodMs: 1_000 }),
    );
    await team.startAgents();
    team.send('a', 'crash');
    await team.system.whenIdle();
    team.send('a', 'crash');
    await team.system.whenIdle();
    await settle();
    expect(events.some((e) => e.type === 'supervisor-escalated')).toBe(true);
    expect(events.some((e) => e.type === 'space-stopped')).toBe(true);
    expect(lastEvent(latest())).toMatchObject({ operation: 'faultRecovery', outcome: 'failure' });
    await expect(team.startAgents()).rejects.toMatchObject({ code: 'SPACE_NOT_RUNNING' });
  });
});
