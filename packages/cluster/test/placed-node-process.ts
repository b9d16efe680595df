/**
 * One voter of a cluster with placed agents, in its own process: `placed-node-process.ts <json>`.
 * It serves the `tally` behaviour (counts numbered messages and checks each sender's order),
 * hosts `control-<node>` (an unplaced agent that places, migrates and reports), prints every
 * cluster event as a JSON line (`event {...}`), prints `ready` and runs until killed.
 */
import { createFileStorage } from '@varplane/consensus-raft';
import type { Behaviour } from '@varplane/runtime';
import { Etcd3 } from 'etcd3';
import { startClusterNode } from '../src/cluster-node';
import { createEtcdControlPlane } from '../src/etcd-control-plane';
import { migrateAgent } from '../src/migrate-agent';

const config = JSON.parse(process.argv[2] ?? '{}') as {
  cluster: string;
  node: string;
  servers: string[];
  peers?: string[];
  /** etcd endpoints: the control plane is etcd's, and there is no Raft. */
  etcd?: string[];
  /** Where the Raft log lives, so a killed node can be started again with it. */
  dir?: string;
  /** Durable queues (JetStream) for `send(..., { delivery: 'at-least-once' })`. */
  atLeastOnce?: { ackWaitMs?: number; retryDelayMs?: number };
};

/** Numbered messages per sender: count, the last number seen, and every break of order. */
interface Tally {
  count: number;
  last: Record<string, number>;
  gaps: number;
  duplicates: number;
  reordered: number;
}
type TallyMessage =
  | { type: 'n'; sender: string; seq: number }
  | { type: 'd'; seq: number }
  | { type: 'get' }
  | { type: 'hang' }
  | { type: 'sleep'; ms: number };

const tally: Behaviour<Tally, TallyMessage> = {
  name: 'tally',
  init: () => ({ count: 0, last: {}, gaps: 0, duplicates: 0, reordered: 0 }),
  async handle(message, state, ctx) {
    await Promise.resolve();
    if (message.type === 'get') {
      ctx.reply({ ...state, node: config.node });
      return state;
    }
    if (message.type === 'd') {
      // An at-least-once message: reported as handled here (a redelivery reports it again).
      const handled = { type: 'durable-handled', seq: message.seq, node: config.node };
      process.stdout.write(`event ${JSON.stringify(handled)}\n`);
      return { ...state, count: state.count + 1 };
    }
    if (message.type === 'hang') {
      await new Promise(() => {});
      return state;
    }
    if (message.type === 'sleep') {
      await new Promise((resolve) => setTimeout(resolve, message.ms));
      return state;
    }
    const last = state.last[message.sender] ?? 0;
    const next = { ...state, last: { ...state.last }, count: state.count + 1 };
    if (message.seq === last + 1) next.last[message.sender] = message.seq;
    else if (message.seq <= last) next.duplicates += message.seq === last ? 1 : 0;
    else next.gaps += 1;
    if (message.seq < last) next.reordered += 1;
    if (message.seq > last) next.last[message.sender] = message.seq;
    return next;
  },
};

const controlPlane =
  config.etcd === undefined
    ? undefined
    : await createEtcdControlPlane({
        client: new Etcd3({ hosts: config.etcd }),
        cluster: config.cluster,
        node: config.node,
        timeoutMs: 1_000,
      });
const { etcd: _etcd, ...nodeConfig } = config;
const member = await startClusterNode({
  ...nodeConfig,
  ...(controlPlane === undefined ? {} : { controlPlane }),
  tickMs: 50,
  // A loaded 2-core test machine can stall a process past the default 1 s; the tests assert
  // order per sender, so they give a move's second path longer to catch up.
  reorderWaitMs: 5_000,
  behaviours: [tally],
  checkpointMs: 500,
  ...(config.dir === undefined ? {} : { storage: createFileStorage({ dir: config.dir }) }),
});
member.events$.subscribe((event) => process.stdout.write(`event ${JSON.stringify(event)}\n`));

type ControlMessage =
  | { type: 'place'; id: string; node?: string }
  | { type: 'migrate'; id: string; to: string }
  | { type: 'hosted' }
  | { type: 'leader' }
  | { type: 'placement'; id: string }
  | { type: 'members' }
  | { type: 'stats' };

const controller: Behaviour<null, ControlMessage> = {
  name: 'controller',
  init: () => null,
  async handle(message, state, ctx) {
    try {
      if (message.type === 'place') {
        ctx.reply(
          await member.placeAgent(tally, {
            id: message.id,
            ...(message.node === undefined ? {} : { node: message.node }),
          }),
        );
      } else if (message.type === 'migrate') {
        const started = Date.now();
        const ref = await migrateAgent(member, message.id, message.to, { timeoutMs: 2_000 });
        ctx.reply({ ok: true, ref, ms: Date.now() - started });
      } else if (message.type === 'hosted') ctx.reply(member.hosted());
      else if (message.type === 'stats') ctx.reply(member.transport.stats());
      else if (message.type === 'members')
        ctx.reply([...(member.control?.view().members().values() ?? [])]);
      else if (message.type === 'placement')
        ctx.reply(member.control?.view().placement(message.id) ?? null);
      else
        ctx.reply({
          leader: member.control?.leader() ?? null,
          role: member.raft?.status().role,
          term: member.raft?.status().term,
        });
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
