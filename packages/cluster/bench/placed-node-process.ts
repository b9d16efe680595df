/**
 * A voter with placed agents for the migration and failover benchmarks, in its own process:
 * `placed-node-process.ts <json>`. Its `meter` agents count messages, keep the worst latency
 * (from the sender's timestamp) and note when they first handled a message on each new node.
 * `control-<node>` places, spawns (unplaced, for the baseline), migrates and reports.
 */
import { createFileStorage } from '@varplane/consensus-raft';
import type { Behaviour } from '@varplane/runtime';
import { startClusterNode } from '../src/cluster-node';
import { migrateAgent } from '../src/migrate-agent';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  cluster: string;
  node: string;
  servers: string[];
  peers: string[];
  dir: string;
};

interface Meter {
  count: number;
  node: string;
  /** When it handled its first message on a node it had just come to. */
  arrivals: Array<{ node: string; at: number }>;
  worstMs: number;
}
type MeterMessage = { type: 'tick'; sentAt: number } | { type: 'get' };

const meter: Behaviour<Meter, MeterMessage> = {
  name: 'meter',
  init: () => ({ count: 0, node: '', arrivals: [], worstMs: 0 }),
  async handle(message, state, ctx) {
    await Promise.resolve();
    if (message.type === 'get') {
      ctx.reply(state);
      return { ...state, arrivals: [], worstMs: 0 };
    }
    const now = Date.now();
    const next = {
      ...state,
      count: state.count + 1,
      worstMs: Math.max(state.worstMs, now - message.sentAt),
    };
    if (state.node !== config.node) {
      next.node = config.node;
      next.arrivals = [...state.arrivals, { node: config.node, at: now }];
    }
    return next;
  },
};

const member = await startClusterNode({
  ...config,
  tickMs: 50,
  behaviours: [meter],
  checkpointMs: 500,
  storage: createFileStorage({ dir: config.dir }),
});

type ControlMessage =
  | { type: 'place'; id: string; node: string }
  | { type: 'spawn'; id: string }
  | { type: 'migrate'; id: string; to: string }
  | { type: 'leader' };

const controller: Behaviour<null, ControlMessage> = {
  name: 'controller',
  init: () => null,
  async handle(message, state, ctx) {
    try {
      if (message.type === 'place') {
        ctx.reply(await member.placeAgent(meter, { id: message.id, node: message.node }));
      } else if (message.type === 'spawn') {
        ctx.reply(member.system.spawn(meter, undefined, { id: message.id }));
      } else if (message.type === 'migrate') {
        const started = Date.now();
        const ref = await migrateAgent(member, message.id, message.to, { timeoutMs: 5_000 });
        ctx.reply({ ok: true, ref, started });
      } else {
        ctx.reply({
          leader: member.control?.leader() ?? null,
          members: [...(member.control?.view().members().values() ?? [])],
        });
      }
    } catch (error) {
      const failure = error as { code?: string; message?: string };
      ctx.reply({ ok: false, code: failure?.code, message: failure?.message });
    }
    return state;
  },
};

member.system.spawn(controller, undefined, { id: `control-${config.node}` });
await member.connection.flush();
process.stdout.write('ready\n');
