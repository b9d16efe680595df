/** Tables and `BENCH_JSON` lines for the durable and failover benchmarks. */
import type { DurableRound, LoadResult } from './durable';
import type { FailoverResult } from './failover';

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
const range = (xs: readonly number[]) =>
  `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`;

export function reportDurable(rounds: readonly DurableRound[]): void {
  type Pick = (r: DurableRound) => { raft: LoadResult; etcd: LoadResult };
  const rows: {
    name: string;
    pick: Pick;
    field: keyof LoadResult;
    unit: string;
    goal: (raft: number, etcd: number) => [string, boolean];
  }[] = [
    {
      name: '64 proposers: entries/s',
      pick: (r) => r.concurrent,
      field: 'entriesPerSecond',
      unit: '/s',
      goal: (v, e) => [">= etcd's", v >= e],
    },
    {
      name: '64 proposers: p50 commit',
      pick: (r) => r.concurrent,
      field: 'p50',
      unit: ' ms',
      goal: () => ['-', true],
    },
    {
      name: '64 proposers: p99 commit',
      pick: (r) => r.concurrent,
      field: 'p99',
      unit: ' ms',
      goal: (v) => ['< 20 ms', v < 20],
    },
    {
      name: '1 proposer: p50 commit',
      pick: (r) => r.sequential,
      field: 'p50',
      unit: ' ms',
      goal: (v) => ['< 5 ms', v < 5],
    },
  ];
  const lines = [
    `### @varplane/consensus-raft durable, 3 processes on loopback with fsync, against etcd 3.4 (${rounds.length} rounds, alternating)`,
    '',
    '| case | varplane, median (min-max) | etcd 3.4, median (min-max) | varplane / etcd, median (min-max) | goal |',
    '|---|---|---|---|---|',
  ];
  const json: Record<string, unknown> = {};
  for (const row of rows) {
    const raft = rounds.map((r) => row.pick(r).raft[row.field]);
    const etcd = rounds.map((r) => row.pick(r).etcd[row.field]);
    const ratios = rounds.map((r) => row.pick(r).raft[row.field] / row.pick(r).etcd[row.field]);
    const [goal, met] = row.goal(median(raft), median(etcd));
    lines.push(
      `| ${row.name} | ${median(raft).toFixed(1)}${row.unit} (${range(raft)}) | ${median(etcd).toFixed(1)}${row.unit} (${range(etcd)}) | ${median(ratios).toFixed(2)}x (${range(ratios)}) | ${goal}${goal === '-' ? '' : met ? ' (met)' : ' (missed)'} |`,
    );
    json[row.name] = { varplane: raft, etcd, ratio: ratios };
  }
  console.log(`${lines.join('\n')}\n`);
  console.log(`BENCH_JSON ${JSON.stringify({ suite: 'consensus-raft durable', rows: json })}`);
}

export function reportFailover(results: readonly { name: string; result: FailoverResult }[]): void {
  const lines = [
    '### @varplane/consensus-raft failover, 1 s election timeout (time from the leader kill to a new leader)',
    '',
    '| case | kills | p50 | p99 | max | no leader within 10 s | goal |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const { name, result } of results) {
    const met = result.missed === 0 && result.p99 <= 3000;
    lines.push(
      `| ${name} | ${result.kills} | ${result.p50.toFixed(0)} ms | ${result.p99.toFixed(0)} ms | ${result.max.toFixed(0)} ms | ${result.missed} | p99 <= 3 s${met ? ' (met)' : ' (missed)'} |`,
    );
  }
  console.log(`${lines.join('\n')}\n`);
  console.log(`BENCH_JSON ${JSON.stringify({ suite: 'consensus-raft failover', rows: results })}`);
}
