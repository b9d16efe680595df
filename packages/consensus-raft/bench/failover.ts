/**
 * Failover: how long a 3-node cluster with a 1 s election timeout (100 ms ticks, 10 ticks; pre-vote
 * and check-quorum on) goes without a leader after its leader dies.
 *
 * - `simulated`: 100 leader kills in one process on a manual clock and the simulated network (0-2 ms
 *   per message): the driver and core are the real ones, only time is simulated, so 100 kills take
 *   seconds instead of minutes. A killed node restarts from its durable state and rejoins.
 * - `processes`: real kill -9 of the leader process (file storage, TCP on 127.0.0.1), measured by
 *   polling every node's status every 20 ms until another node is leader.
 */
import { createManualClock, createRandom, type Random } from '@varplane/core';
import {
  createMemoryStorage,
  createSimulatedNetwork,
  type MemoryStorage,
  type RaftNode,
  startRaftNode,
} from '../src/index';
import { call, startProcessCluster } from '../test/support/process-cluster';

const ids = ['a', 'b', 'c'];
const tickMs = 100;
const electionTicks = 10;

export interface FailoverResult {
  readonly kills: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Kills after which no new leader came within 10 s. */
  readonly missed: number;
}

export async function simulatedFailover(kills: number, seed = 1): Promise<FailoverResult> {
  const clock = createManualClock();
  const random: Random = createRandom(seed);
  const network = createSimulatedNetwork({
    clock,
    random: random.fork(),
    minDelayMs: 0,
    maxDelayMs: 2,
  });
  const storages = new Map<string, MemoryStorage>();
  const nodes = new Map<string, RaftNode>();
  const start = async (id: string, storage: MemoryStorage) => {
    storages.set(id, storage);
    nodes.set(
      id,
      await startRaftNode({
        id,
        peers: ids,
        storage,
        transport: network.transport(id),
        clock,
        random: random.fork(),
        tickMs,
        raft: { electionTicks },
      }),
    );
  };
  for (const id of ids) await start(id, createMemoryStorage());
  const step = async () => {
    clock.advance(10);
    await new Promise<void>((resolve) => setImmediate(resolve));
  };
  const leader = () => [...nodes.values()].find((node) => node.status().role === 'leader');
  while (leader() === undefined) await step();

  const gaps: number[] = [];
  let missed = 0;
  for (let k = 0; k < kills; k += 1) {
    const old = leader() as RaftNode;
    // Something in the log, so every election also has to compare logs.
    await Promise.race([
      old.propose(new TextEncoder().encode(`round ${k}`)).catch(() => undefined),
      step(),
    ]);
    for (let i = 0; i < 5; i += 1) await step();
    const killedAt = clock.now();
    await old.stop();
    nodes.delete(old.id);
    let next = leader();
    while (next === undefined && clock.now() - killedAt < 10_000) {
      await step();
      next = leader();
    }
    if (next === undefined) missed += 1;
    else gaps.push(clock.now() - killedAt);
    // The dead node comes back with what it had made durable.
    await start(
      old.id,
      createMemoryStorage({ initial: (storages.get(old.id) as MemoryStorage).durable() }),
    );
    for (let i = 0; i < 50; i += 1) await step();
  }
  for (const node of nodes.values()) await node.stop();
  return summarize(gaps, kills, missed);
}

export async function processFailover(kills: number): Promise<FailoverResult> {
  const cluster = await startProcessCluster({ ids, tickMs, electionTicks, snapshotEvery: 0 });
  try {
    await Promise.all(ids.map((id) => cluster.start(id)));
    const findLeader = async (except: string | null) => {
      for (const id of ids) {
        if (id === except || !cluster.running(id)) continue;
        const status = await call<{ role: string }>(
          cluster.httpPort(id),
          '/status',
          undefined,
          500,
        );
        if (status.ok && status.value.role === 'leader') return id;
      }
      return null;
    };
    let current: string | null = null;
    while (current === null) current = await findLeader(null);
    const gaps: number[] = [];
    let missed = 0;
    for (let k = 0; k < kills; k += 1) {
      const old: string = current ?? (await findLeader(null)) ?? 'a';
      const killedAt = performance.now();
      await cluster.kill(old);
      let next: string | null = null;
      while (next === null && performance.now() - killedAt < 10_000) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        next = await findLeader(old);
      }
      if (next === null) missed += 1;
      else gaps.push(performance.now() - killedAt);
      await cluster.start(old);
      await new Promise((resolve) => setTimeout(resolve, 300));
      current = next;
    }
    return summarize(gaps, kills, missed);
  } finally {
    await cluster.destroy();
  }
}

function summarize(gaps: number[], kills: number, missed: number): FailoverResult {
  const sorted = [...gaps].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { kills, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN, missed };
}
