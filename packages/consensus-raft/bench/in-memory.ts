/**
 * In-memory throughput: 3 Raft nodes in one process (memory storage, simulated network without
 * faults), 64 proposals in flight at the leader, against a baseline that only appends the same
 * entries to 3 in-memory logs and applies them to 3 state machines, with the same promise per
 * proposal and the same 64 in flight. Both check that every node applied every entry, in order.
 */
import { strictEqual } from 'node:assert';
import { compare, type Row } from '@varplane/bench-kit';
import { createRandom, systemClock } from '@varplane/core';
import {
  createMemoryStorage,
  createSimulatedNetwork,
  type Entry,
  type RaftNode,
  startRaftNode,
} from '../src/index';

const IN_FLIGHT = 64;
const PER_CALL = 4_096;
const VALUE_BYTES = 64;
const ids = ['a', 'b', 'c'];

/** Distinct random values, made once: both sides propose the same ones. */
const pool: Uint8Array[] = (() => {
  const random = createRandom(7);
  return Array.from({ length: PER_CALL }, () => {
    const value = new Uint8Array(VALUE_BYTES);
    for (let j = 0; j < VALUE_BYTES; j++) value[j] = random.int(0, 255);
    return value;
  });
})();

/** Keeps `IN_FLIGHT` proposals going until `count` resolved. */
async function drive(count: number, propose: (data: Uint8Array) => Promise<unknown>) {
  let started = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const next = () => {
      if (started >= count) return;
      started += 1;
      propose(pool[started - 1] as Uint8Array).then(() => {
        done += 1;
        if (done === count) resolve();
        else next();
      }, reject);
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
  });
}

async function raftCluster() {
  const network = createSimulatedNetwork({ clock: systemClock, random: createRandom(1) });
  const applied = new Map<string, number>(ids.map((id) => [id, 0]));
  const nodes: RaftNode[] = [];
  for (const [i, id] of ids.entries()) {
    nodes.push(
      await startRaftNode({
        id,
        peers: ids,
        storage: createMemoryStorage(),
        transport: network.transport(id),
        clock: systemClock,
        random: createRandom(i + 1),
        // A real deployment compacts; without it the bench would measure a growing heap.
        snapshotEvery: 16_384,
        stateMachine: {
          apply: (entry: Entry) => {
            applied.set(id, (applied.get(id) as number) + 1);
            return entry.index;
          },
          snapshot: () => new TextEncoder().encode(String(applied.get(id))),
          restore: () => {},
        },
      }),
    );
  }
  const leader = nodes[0] as RaftNode;
  leader.campaign();
  while (leader.status().role !== 'leader') await new Promise((r) => setTimeout(r, 1));
  return { nodes, leader, applied };
}

/** The baseline: 3 logs and 3 state machines in memory, one promise per proposal. */
function baselineCluster() {
  const logs: Entry[][] = [[], [], []];
  const applied = [0, 0, 0];
  let index = 0;
  let batch: { entry: Entry; resolve: (value: number) => void }[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const now = batch;
    batch = [];
    for (const { entry, resolve } of now) {
      for (let n = 0; n < 3; n++) {
        (logs[n] as Entry[]).push({
          index: entry.index,
          term: 1,
          type: 'normal',
          data: entry.data,
        });
        applied[n] = (applied[n] as number) + 1;
      }
      resolve(entry.index);
    }
  };
  return {
    logs,
    applied,
    propose(data: Uint8Array): Promise<number> {
      index += 1;
      const entry: Entry = { index, term: 1, type: 'normal', data };
      return new Promise((resolve) => {
        batch.push({ entry, resolve });
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(flush);
        }
      });
    },
  };
}

export async function inMemoryRows(): Promise<Row[]> {
  const raft = await raftCluster();
  const baseline = baselineCluster();
  const settle = async () => {
    // Followers learn the last commit index one round after the leader: let them catch up.
    for (let i = 0; i < 100; i++) {
      const counts = [...raft.applied.values()];
      if (counts.every((c) => c === counts[0])) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  const comparison = await compare(
    {
      name: 'raft, 3 nodes',
      fn: () => drive(PER_CALL, (data) => raft.leader.propose(data)),
      opsPerCall: PER_CALL,
      deadlineMs: 30_000,
      after: settle,
    },
    {
      name: 'append + apply to 3 logs',
      fn: () => drive(PER_CALL, (data) => baseline.propose(data)),
      opsPerCall: PER_CALL,
    },
    { rounds: 7, roundMs: 400 },
  );
  await settle();
  const counts = [...raft.applied.values()];
  for (const count of counts) strictEqual(count, counts[0], 'every node applied every entry');
  strictEqual(baseline.applied[0], baseline.logs[2]?.length);
  for (const node of raft.nodes) await node.stop();
  const rate = comparison.subject.opsPerSecond;
  return [
    {
      case: `in-memory, 3 nodes, ${IN_FLIGHT} in flight, ${VALUE_BYTES} B values`,
      ...comparison,
      goal: '>= 100k entries/s and <= 3x baseline',
      met: rate >= 100_000 && comparison.ratio.median <= 3,
    },
  ];
}
