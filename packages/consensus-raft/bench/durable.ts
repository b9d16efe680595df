/**
 * Durable throughput and commit latency: 3 Raft processes on 127.0.0.1 (file storage with
 * fdatasync, the TCP transport) against 3 etcd 3.4 members on 127.0.0.1 (WAL fsync on by default),
 * both started here and stopped by PID, measured in the same run, alternating over rounds.
 *
 * Both are driven the same way: HTTP/1.1 JSON requests with keep-alive from this process to the
 * leader (varplane's `POST /put` of the test node program; etcd's gRPC gateway `POST /v3/kv/put`),
 * 64-byte values on 1,024 keys, a put answered only once committed. `concurrent`: 64 proposers,
 * each with one put in flight; `sequential`: one proposer. Exact results are checked: the leader's
 * applied count (varplane) and the store revision (etcd) grow by exactly the puts made.
 */
import { createRandom } from '@varplane/core';
import { startEtcdCluster } from '@varplane/test-servers';
import { call, startProcessCluster } from '../test/support/process-cluster';

const VALUE_BYTES = 64;
const KEYS = 1024;
const random = createRandom(11);
const values = Array.from({ length: 4096 }, () =>
  Array.from({ length: VALUE_BYTES }, () => 'abcdefghijklmnopqrstuvwxyz'[random.int(0, 25)]).join(
    '',
  ),
);

/** One system under test: a put, and a counter that must grow by one per put. */
interface Target {
  readonly name: string;
  put(i: number): Promise<void>;
  count(): Promise<number>;
}

export interface LoadResult {
  readonly entriesPerSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function load(target: Target, total: number, concurrency: number): Promise<LoadResult> {
  const before = await target.count();
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await target.put(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = performance.now() - started;
  const after = await target.count();
  if (after - before !== total) {
    throw new Error(`${target.name}: ${after - before} puts counted, ${total} made`);
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number;
  return { entriesPerSecond: (total / elapsed) * 1000, p50: at(0.5), p99: at(0.99) };
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  const json = await response.json();
  if (response.status !== 200)
    throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function raftTarget(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const ids = ['a', 'b', 'c'];
  const cluster = await startProcessCluster({
    ids,
    tickMs: 100,
    electionTicks: 10,
    snapshotEvery: 0,
  });
  await Promise.all(ids.map((id) => cluster.start(id)));
  let leader: string | null = null;
  while (leader === null) {
    for (const id of ids) {
      const status = await call<{ role: string }>(cluster.httpPort(id), '/status', undefined, 1000);
      if (status.ok && status.value.role === 'leader') leader = id;
    }
  }
  const base = `http://127.0.0.1:${cluster.httpPort(leader)}`;
  return {
    target: {
      name: 'varplane raft',
      put: async (i) => {
        await post(`${base}/put`, { key: `k${i % KEYS}`, value: values[i % values.length] });
      },
      count: async () =>
        ((await (await fetch(`${base}/status`)).json()) as { applied: number }).applied,
    },
    stop: () => cluster.destroy(),
  };
}

async function etcdTarget(): Promise<{ target: Target; stop: () => Promise<void> }> {
  const cluster = await startEtcdCluster({ size: 3, electionTimeoutMs: 1000, heartbeatMs: 100 });
  let leaderUrl: string | null = null;
  while (leaderUrl === null) {
    for (const member of cluster.members) {
      const status = (await post(`${member.clientUrl}/v3/maintenance/status`, {}).catch(
        () => null,
      )) as {
        header: { member_id: string };
        leader: string;
      } | null;
      if (status !== null && status.leader === status.header.member_id)
        leaderUrl = member.clientUrl;
    }
  }
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const url = leaderUrl;
  return {
    target: {
      name: 'etcd 3.4',
      put: async (i) => {
        await post(`${url}/v3/kv/put`, {
          key: b64(`k${i % KEYS}`),
          value: b64(values[i % values.length] as string),
        });
      },
      count: async () =>
        Number(
          (
            (await post(`${url}/v3/kv/range`, { key: b64('k0') })) as {
              header: { revision: string };
            }
          ).header.revision,
        ),
    },
    stop: () => cluster.stop(),
  };
}

export interface DurableRound {
  readonly concurrent: { readonly raft: LoadResult; readonly etcd: LoadResult };
  readonly sequential: { readonly raft: LoadResult; readonly etcd: LoadResult };
}

/** Starts both clusters, warms them up, then alternates them over `rounds`. */
export async function durableRounds(
  rounds: number,
  concurrentPuts: number,
  sequentialPuts: number,
): Promise<DurableRound[]> {
  const raft = await raftTarget();
  const etcd = await etcdTarget();
  try {
    await load(raft.target, 300, 64);
    await load(etcd.target, 300, 64);
    const results: DurableRound[] = [];
    for (let r = 0; r < rounds; r += 1) {
      // Alternate who goes first, so a drift in the machine's load hits both alike.
      const order = r % 2 === 0 ? [raft, etcd] : [etcd, raft];
      const concurrent = new Map<Target, LoadResult>();
      const sequential = new Map<Target, LoadResult>();
      for (const side of order)
        concurrent.set(side.target, await load(side.target, concurrentPuts, 64));
      for (const side of order)
        sequential.set(side.target, await load(side.target, sequentialPuts, 1));
      results.push({
        concurrent: {
          raft: concurrent.get(raft.target) as LoadResult,
          etcd: concurrent.get(etcd.target) as LoadResult,
        },
        sequential: {
          raft: sequential.get(raft.target) as LoadResult,
          etcd: sequential.get(etcd.target) as LoadResult,
        },
      });
    }
    return results;
  } finally {
    await Promise.allSettled([raft.stop(), etcd.stop()]);
  }
}
