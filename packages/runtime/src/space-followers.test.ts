import {
  addOrchestrationVariable,
  communicationTopology,
  createMultiAgentSpace,
  type JsonValue,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { run } from './internal/space-fixture';
import type { DirectiveMessage, OrchestrationMessage, SpaceAgentArgs } from './space-agent';

type Values = Readonly<Record<string, JsonValue>>;

/** Keeps what it was told of its variables; `crash` crashes it, a call answers with its log. */
const follower: Behaviour<
  { log: Values[] },
  OrchestrationMessage | DirectiveMessage | 'crash',
  SpaceAgentArgs
> = {
  name: 'follower',
  init: (args) => ({ log: [args.orchestration ?? {}] }),
  handle(message, state, ctx) {
    if (message === 'crash') throw new Error('crash');
    if (ctx.isCall) {
      ctx.reply(state.log);
      return state;
    }
    return message.type === 'orchestration' ? { log: [...state.log, message.values] } : state;
  },
};

function team(follows: string[]) {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['planner', 'executor'])
    space = registerAgent(space, { id, behaviour: 'follower', follows });
  return addOrchestrationVariable(
    space,
    communicationTopology('net', { agents: ['planner', 'executor'], patterns: ['ring', 'mesh'] }),
  );
}

describe('agents that follow orchestration variables', () => {
  it('get the values in init and once per change, also after a restart', async () => {
    const { team: running } = await run(team(['net']), { follower });
    await running.startAgents();
    await running.setVariable('net', 'mesh');
    await running.coordinateAgents(); // no change: nothing sent
    expect(await running.call('planner', 'log?')).toEqual([{ net: 'ring' }, { net: 'mesh' }]);
    running.send('executor', 'crash');
    await running.setVariable('net', 'ring');
    // The restarted executor began from its first values and was then told the current one.
    expect(await running.call('executor', 'log?')).toEqual([{ net: 'ring' }, { net: 'ring' }]);
    await running.stop();
  });

  it('a space whose agent follows an unknown variable does not start', async () => {
    await expect(run(team(['net', '__proto__']), { follower })).rejects.toMatchObject({
      code: 'SPACE_INVALID',
      issues: [
        { path: 'agents.planner.follows.1', value: '__proto__' },
        { path: 'agents.executor.follows.1', value: '__proto__' },
      ],
    });
  });
});
