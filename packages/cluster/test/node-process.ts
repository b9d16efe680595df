/**
 * One cluster node in its own process, for the multi-process tests: `tsx node-process.ts <json>`.
 * It hosts `admin-<node>` (sets cluster variables, reports what it saw) and `counter-<node>`,
 * then prints `ready` and runs until killed.
 */
import {
  addOrchestrationVariable,
  communicationTopology,
  createMultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import type { Behaviour } from '@varplane/runtime';
import { startClusterNode } from '../src/cluster-node';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  cluster: string;
  node: string;
  servers: string[];
  peers: string[];
};

let space = createMultiAgentSpace({ id: 'team' });
for (const id of ['planner', 'coder', 'reviewer'])
  space = registerAgent(space, { id, behaviour: id });
space = addOrchestrationVariable(
  space,
  communicationTopology('reasoning_net', {
    agents: ['planner', 'coder', 'reviewer'],
    patterns: ['ring', 'star', 'mesh'],
    default: 'ring',
    hub: 'planner',
  }),
);

const member = await startClusterNode({ ...config, space, tickMs: 50 });
const seen: string[] = [];
member.variables?.space$.subscribe((next) => {
  const value = next.orchestrationVariables.reasoning_net?.value;
  if (typeof value === 'string' && seen.at(-1) !== value) seen.push(value);
});

type AdminMessage = { type: 'set'; value: string } | { type: 'seen' } | { type: 'role' };
const admin: Behaviour<null, AdminMessage> = {
  name: 'admin',
  init: () => null,
  async handle(message, state, ctx) {
    if (message.type === 'set') {
      await member.variables?.setVariable('reasoning_net', message.value, { timeoutMs: 8_000 });
      ctx.reply(seen.at(-1));
    } else if (message.type === 'seen') ctx.reply(seen);
    else ctx.reply(member.raft?.status().role);
    return state;
  },
};

type CounterMessage = { type: 'add'; n: number } | { type: 'get' } | { type: 'hang' };
const counter: Behaviour<number, CounterMessage> = {
  name: 'counter',
  init: () => 0,
  async handle(message, total, ctx) {
    await Promise.resolve();
    if (message.type === 'add') return total + message.n;
    if (message.type === 'get') ctx.reply(total);
    else await new Promise(() => {});
    return total;
  },
};

member.system.spawn(admin, undefined, { id: `admin-${config.node}` });
member.system.spawn(counter, undefined, { id: `counter-${config.node}` });
await member.connection.flush();
process.stdout.write('ready\n');
