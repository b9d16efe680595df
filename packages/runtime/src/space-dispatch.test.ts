import {
  addOrchestrationVariable,
  agentSelection,
  communicationTopology,
  createMultiAgentSpace,
  directive,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { run } from './internal/space-fixture';
import type { SpaceAgentArgs } from './space-agent';

const coders = ['python_coder', 'elixir_coder', 'javascript_coder'];
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A coder whose every task takes an event-loop turn (a zero-latency model); it logs what it did. */
function coder(done: string[]): Behaviour<string, { task: number }, SpaceAgentArgs> {
  return {
    name: 'coder',
    init: (args) => args.agentId,
    async handle(message, id, ctx) {
      await tick();
      done.push(`${id}:${message.task}`);
      if (ctx.isCall) ctx.reply(`${id} did ${message.task}`);
      return id;
    },
  };
}

function coderTeam(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'coders' });
  for (const id of coders) space = registerAgent(space, { id, behaviour: 'coder' });
  return addOrchestrationVariable(
    space,
    agentSelection('coder_agent', {
      agents: coders,
      default: ['python_coder'],
      constraints: { maxConcurrent: 2 },
    }),
  );
}

describe('dispatching to whoever a selection selects', () => {
  it('a concurrent dispatcher loses no task across swaps', async () => {
    const done: string[] = [];
    const { team, events } = await run(coderTeam(), { coder: coder(done) });
    await team.startAgents();
    const selections = [
      ['python_coder', 'elixir_coder'],
      ['javascript_coder'],
      ['elixir_coder', 'python_coder'],
      ['javascript_coder', 'python_coder'],
      ['elixir_coder'],
    ];
    const replies: Array<Promise<string>> = [];
    for (const [round, selection] of selections.entries()) {
      for (let i = 0; i < 40; i++)
        replies.push(team.callSelected<string>('coder_agent', { task: round * 40 + i }));
      const swap = team.setVariable('coder_agent', selection);
      for (let i = 0; i < 20; i++) {
        replies.push(team.callSelected<string>('coder_agent', { task: 1_000 + round * 20 + i }));
        await tick();
      }
      await swap;
    }
    const settled = await Promise.allSettled(replies);
    const rejected = settled.filter((r) => r.status === 'rejected');
    expect(rejected).toEqual([]);
    expect(settled).toHaveLength(300);
    expect(done).toHaveLength(300);
    // Every reply came from a coder that was selected at some point around its dispatch.
    for (const r of settled)
      expect((r as PromiseFulfilledResult<string>).value).toMatch(/_coder did/);
    expect(events.filter((e) => e.type === 'mail-dead-lettered')).toEqual([]);
    await team.stop();
  });

  it('drains a leaving coder: what it had queued is handled before it stops', async () => {
    const done: string[] = [];
    const { team, latest } = await run(coderTeam(), { coder: coder(done) });
    await team.startAgents();
    const sentTo: string[] = [];
    for (let i = 0; i < 10; i++) sentTo.push(await team.sendToSelected('coder_agent', { task: i }));
    expect(new Set(sentTo)).toEqual(new Set(['python_coder']));
    await team.setVariable('coder_agent', ['elixir_coder']);
    expect(done.filter((d) => d.startsWith('python_coder'))).toHaveLength(10);
    expect(latest().agents.python_coder?.status).toBe('inactive');
    expect(await team.sendToSelected('coder_agent', { task: 10 })).toBe('elixir_coder');
    await team.stop();
  });

  it('a drain that outlasts its time hands the rest on, never drops it', async () => {
    const blocked: Behaviour<string, unknown, SpaceAgentArgs> = {
      name: 'blocked',
      init: (args) => args.agentId,
      handle: (message, id) => (message === 'hang' ? new Promise<string>(() => {}) : id),
    };
    let space = createMultiAgentSpace({ id: 'team' });
    for (const id of ['a', 'b'])
      space = registerAgent(space, {
        id,
        behaviour: 'blocked',
        supervision: { shutdown: 'brutal' },
      });
    space = addOrchestrationVariable(space, agentSelection('pick', { agents: ['a', 'b'] }));
    const { team, events, clock } = await run(space, { blocked });
    await team.startAgents();
    team.send('a', 'hang');
    team.send('a', 'left 1');
    team.send('a', 'left 2');
    const stopping = team.applyDirectives([
      directive('a', 'stop', { drain: true }, { timeout: 1_000 }),
    ]);
    await tick();
    clock.advance(500);
    await stopping;
    expect(events.find((e) => e.type === 'mail-dead-lettered')).toMatchObject({
      agent: 'a',
      messages: ['left 1', 'left 2'],
    });
    await team.stop();
  });

  it('picks per message with choose, and refuses what choose gets wrong', async () => {
    const done: string[] = [];
    const { team } = await run(coderTeam(), { coder: coder(done) });
    await team.setVariable('coder_agent', ['python_coder', 'javascript_coder']);
    const byLanguage = (message: unknown, candidates: readonly string[]) =>
      (message as { task: number }).task % 2 === 0
        ? (candidates.find((id) => id.startsWith('python')) as string)
        : (candidates.find((id) => id.startsWith('javascript')) as string);
    expect(await team.callSelected('coder_agent', { task: 2 }, { choose: byLanguage })).toBe(
      'python_coder did 2',
    );
    expect(await team.callSelected('coder_agent', { task: 3 }, { choose: byLanguage })).toBe(
      'javascript_coder did 3',
    );
    await expect(
      team.callSelected('coder_agent', { task: 4 }, { choose: () => 'elixir_coder' }),
    ).rejects.toMatchObject({
      code: 'NO_AGENT_SELECTED',
      message: expect.stringContaining('elixir_coder'),
    });
    await expect(
      team.callSelected(
        'coder_agent',
        { task: 5 },
        {
          choose: () => {
            throw new Error('no idea');
          },
        },
      ),
    ).rejects.toMatchObject({
      code: 'NO_AGENT_SELECTED',
      message: expect.stringContaining('no idea'),
    });
    await team.stop();
  });

  it('refuses an unknown variable and one that is not a selection', async () => {
    let space = coderTeam();
    space = addOrchestrationVariable(
      space,
      communicationTopology('net', { agents: coders, patterns: ['ring'] }),
    );
    const { team } = await run(space, { coder: coder([]) });
    await expect(team.callSelected('nope', { task: 1 })).rejects.toMatchObject({
      code: 'SPACE_VARIABLE_UNKNOWN',
    });
    await expect(team.sendToSelected('net', { task: 1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(team.callSelected('coder_agent', { task: 1 })).rejects.toMatchObject({
      code: 'NO_AGENT_SELECTED',
    });
    await team.stop();
  });
});
