/**
 * A node process for the at-least-once tests: `worker` reports `started n` and `done n` to the
 * `log` agent on node `client` (at most once: the report is not what is under test) and, when
 * `hangOn` is given, never finishes message `hangOn`, so the process can be killed between
 * receiving a message and acknowledging it.
 */
import type { Behaviour } from '@varplane/runtime';
import { startClusterNode } from '../src/cluster-node';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  cluster: string;
  node: string;
  servers: string[];
  hangOn?: number;
  ackWaitMs: number;
};

const member = await startClusterNode({
  cluster: config.cluster,
  node: config.node,
  servers: config.servers,
  atLeastOnce: { ackWaitMs: config.ackWaitMs },
});
const log = { id: 'log', node: 'client' };
const worker: Behaviour<null, { n: number }> = {
  name: 'worker',
  init: () => null,
  async handle({ n }, state, ctx) {
    ctx.send(log, `${config.node} started ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (n === config.hangOn) await new Promise(() => {});
    ctx.send(log, `${config.node} done ${n}`);
    return state;
  },
};
member.system.spawn(worker, undefined, { id: 'worker' });
await member.connection.flush();
process.stdout.write('ready\n');
