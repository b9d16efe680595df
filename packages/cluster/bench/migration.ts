/**
 * Migration under load: three node processes on one nats-server, 1,000 messages/s flowing to an
 * agent while it moves n1 -> n2 -> n3 -> n1. Per move: the time from `migrateAgent` to the first
 * message handled on the target, the messages sent in that window (they waited), and the worst
 * message latency. Subject: a placed agent (the move is committed through the Raft control plane).
 * Baseline: the same agent unplaced, moved by the uncommitted protocol (no commit, forwarding
 * through its first node), alternated with the subject in rounds.
 * `--short` for a quick run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats } from '@varplane/test-servers';
import { startClusterNode } from '../src/cluster-node';
import { type NodeProcess, startNodeProcess } from '../test/processes';

const short = process.argv.includes('--short');
const ROUNDS = short ? 2 : 6;
const MOVES_PER_ROUND = short ? 6 : 12;
const RATE = 1_000;
const nodes = ['n1', 'n2', 'n3'];
const route = ['n2', 'n3', 'n1'];

interface Meter {
  count: number;
  node: string;
  arrivals: Array<{ node: string; at: number }>;
  worstMs: number;
}
interface Move {
  ms: number;
  delayed: number;
  worstMs: number;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;

const nats = await startNats();
const dir = mkdtempSync(join(tmpdir(), 'vp-bench-migration-'));
const processes: NodeProcess[] = [];
const client = await startClusterNode({ cluster: 'bm', node: 'bench', servers: nats.url });
try {
  processes.push(
    ...(await Promise.all(
      nodes.map((node) =>
        startNodeProcess('../bench/placed-node-process.ts', {
          cluster: 'bm',
          node,
          servers: [nats.url],
          peers: nodes,
          dir: join(dir, node),
        }),
      ),
    )),
  );
  const ask = <T>(node: string, message: object) =>
    client.system.call<T>({ id: `control-${node}`, node }, message, { timeout: 10_000 });
  for (;;) {
    const reports = await Promise.all(
      nodes.map((node) =>
        ask<{ leader: string | null; members: unknown[] }>(node, { type: 'leader' }),
      ),
    );
    if (reports.every((r) => r.leader !== null && r.members.length === 3)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await ask('n1', { type: 'place', id: 'placed', node: 'n1' });
  await ask('n1', { type: 'spawn', id: 'unplaced' });

  const sent = new Map<string, number[]>([
    ['placed', []],
    ['unplaced', []],
  ]);
  let flowing: string | undefined;
  const flow = setInterval(() => {
    if (flowing === undefined) return;
    const times = sent.get(flowing) as number[];
    for (let i = 0; i < RATE / 100; i++) {
      const sentAt = Date.now();
      client.system.send({ id: flowing, node: 'n1' }, { type: 'tick', sentAt });
      times.push(sentAt);
    }
  }, 10);

  const hostOf = new Map([
    ['placed', 'n1'],
    ['unplaced', 'n1'],
  ]);
  const moves = new Map<string, Move[]>([
    ['placed', []],
    ['unplaced', []],
  ]);
  const round = async (agent: string) => {
    flowing = agent;
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let m = 0; m < MOVES_PER_ROUND; m++) {
      const from = hostOf.get(agent) as string;
      const to = route[nodes.indexOf(from)] as string;
      const result = await ask<{ ok: boolean; started: number; message?: string }>(from, {
        type: 'migrate',
        id: agent,
        to,
      });
      if (!result.ok)
        throw new Error(`move of ${agent} ${from} -> ${to} failed: ${result.message}`);
      hostOf.set(agent, to);
      await new Promise((resolve) => setTimeout(resolve, 150));
      // Each `get` hands over the arrivals and worst latency since the last one; a slow first
      // message on the target is waited for (and measured), a move with none fails the run.
      let arrival: { node: string; at: number } | undefined;
      let worstMs = 0;
      for (let asked = 0; arrival === undefined; asked++) {
        if (asked > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        const state = await client.system.call<Meter>(
          { id: agent, node: 'n1' },
          { type: 'get' },
          { timeout: 5_000 },
        );
        worstMs = Math.max(worstMs, state.worstMs);
        arrival = state.arrivals.find((a) => a.node === to && a.at >= result.started);
        if (arrival === undefined && asked >= 30)
          throw new Error(`${agent} handled nothing on ${to} within 3 s of its move`);
      }
      const times = sent.get(agent) as number[];
      const at = arrival.at;
      const delayed = times.filter((t) => t >= result.started && t <= at).length;
      moves.get(agent)?.push({ ms: at - result.started, delayed, worstMs });
    }
    flowing = undefined;
    // Everything sent arrived: no move lost a message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const state = await client.system.call<Meter>(
      { id: agent, node: 'n1' },
      { type: 'get' },
      { timeout: 5_000 },
    );
    const total = (sent.get(agent) as number[]).length;
    if (state.count !== total)
      throw new Error(`${agent} counted ${state.count} of ${total} messages`);
  };
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? ['unplaced', 'placed'] : ['placed', 'unplaced'];
    for (const agent of order) await round(agent);
  }
  clearInterval(flow);

  const summary = (agent: string) => {
    const list = moves.get(agent) as Move[];
    const ms = list.map((m) => m.ms).sort((a, b) => a - b);
    const delayed = list.map((m) => m.delayed).sort((a, b) => a - b);
    const worst = list.map((m) => m.worstMs).sort((a, b) => a - b);
    return {
      moves: list.length,
      p50: quantile(ms, 0.5),
      p90: quantile(ms, 0.9),
      p99: quantile(ms, 0.99),
      max: ms.at(-1) as number,
      delayedP50: quantile(delayed, 0.5),
      delayedMax: delayed.at(-1) as number,
      worstLatencyP99: quantile(worst, 0.99),
    };
  };
  const subject = summary('placed');
  const baseline = summary('unplaced');
  const row = (name: string, s: ReturnType<typeof summary>, goal: string) =>
    `| ${name} | ${s.moves} | ${s.p50} ms | ${s.p90} ms | ${s.p99} ms | ${s.max} ms | ${s.delayedP50} (max ${s.delayedMax}) | ${s.worstLatencyP99} ms | ${goal} |`;
  console.log(
    [
      `### cluster migration (3 processes, 1 nats-server, ${RATE} msg/s flowing, ${ROUNDS} alternating rounds)`,
      '',
      '| case | moves | to first message on target, p50 | p90 | p99 | max | messages sent meanwhile, p50 | worst message latency, p99 | goal |',
      '|---|---|---|---|---|---|---|---|---|',
      row(
        'placed agent, committed move',
        subject,
        `p99 < 100 ms (${subject.p99 < 100 ? 'met' : 'missed'})`,
      ),
      row('baseline: unplaced agent, uncommitted move', baseline, '-'),
      '',
      `ratio of p50s (committed / uncommitted): ${(subject.p50 / Math.max(1, baseline.p50)).toFixed(2)}x; no message lost in either (counts checked each round).`,
    ].join('\n'),
  );
  console.log(`BENCH_JSON ${JSON.stringify({ suite: 'cluster migration', subject, baseline })}`);
} finally {
  await Promise.all(processes.map((child) => child.kill()));
  await client.stop();
  await nats.stop();
  rmSync(dir, { recursive: true, force: true });
}
