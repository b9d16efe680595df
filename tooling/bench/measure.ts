/**
 * The benchmark harness every package's `bench/` uses: median time per operation over repeated
 * batches, and a table that sets each varplane path beside its raw baseline from the same run, so
 * the ratio holds on a noisy shared machine.
 */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median nanoseconds per operation over the samples. */
  nsPerOp: number;
  opsPerSecond: number;
  /** Spread of the samples: (p75 - p25) / median. */
  spread: number;
  samples: number;
}

export interface MeasureOptions {
  /** Operations one call of `fn` performs (a burst of 10,000 messages is 10,000). */
  opsPerCall?: number;
  /** Wall time to spend sampling, after warm-up. */
  minTimeMs?: number;
  warmupMs?: number;
}

type Body = () => unknown;

async function runBatch(fn: Body, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const out = fn();
    if (out instanceof Promise) await out;
  }
  return performance.now() - start;
}

/** Times `fn` and returns the median cost of one operation. */
export async function measure(
  name: string,
  fn: Body,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const opsPerCall = options.opsPerCall ?? 1;
  const minTimeMs = options.minTimeMs ?? 600;
  const warmupMs = options.warmupMs ?? 150;

  // Grow the batch until one takes ~5 ms, so timer resolution does not matter.
  let calls = 1;
  let elapsed = await runBatch(fn, calls);
  while (elapsed < 5 && calls < 1 << 24) {
    calls *= 2;
    elapsed = await runBatch(fn, calls);
  }
  const warmupEnd = performance.now() + warmupMs;
  while (performance.now() < warmupEnd) await runBatch(fn, calls);

  const perOp: number[] = [];
  const end = performance.now() + minTimeMs;
  while (performance.now() < end || perOp.length < 5) {
    const ms = await runBatch(fn, calls);
    perOp.push((ms * 1e6) / (calls * opsPerCall));
  }
  perOp.sort((a, b) => a - b);
  const at = (q: number) =>
    perOp[Math.min(perOp.length - 1, Math.floor(q * perOp.length))] as number;
  const median = at(0.5);
  return {
    name,
    nsPerOp: median,
    opsPerSecond: 1e9 / median,
    spread: (at(0.75) - at(0.25)) / median,
    samples: perOp.length,
  };
}

export interface Row {
  case: string;
  subject: Measurement;
  baseline?: Measurement;
  /** The issue's goal, in words (`<= 1.5x baseline`). */
  goal?: string;
  /** Whether the goal was met, when it can be judged from the numbers. */
  met?: boolean;
}

function formatNs(ns: number): string {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(1)} ns`;
}

function formatRate(opsPerSecond: number): string {
  if (opsPerSecond >= 1e6) return `${(opsPerSecond / 1e6).toFixed(2)} M/s`;
  if (opsPerSecond >= 1e3) return `${(opsPerSecond / 1e3).toFixed(1)} k/s`;
  return `${opsPerSecond.toFixed(1)} /s`;
}

/** Prints a markdown table and one `BENCH_JSON` line for machines. */
export function report(suite: string, rows: readonly Row[]): void {
  const lines = [
    `### ${suite}`,
    '',
    '| case | varplane | rate | baseline | ratio | goal |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const ratio = row.baseline
      ? `${(row.subject.nsPerOp / row.baseline.nsPerOp).toFixed(2)}x`
      : '-';
    const goal = row.goal
      ? `${row.goal}${row.met === undefined ? '' : row.met ? ' (met)' : ' (missed)'}`
      : '-';
    lines.push(
      `| ${row.case} | ${formatNs(row.subject.nsPerOp)}/op | ${formatRate(row.subject.opsPerSecond)} | ${
        row.baseline ? `${formatNs(row.baseline.nsPerOp)}/op` : '-'
      } | ${ratio} | ${goal} |`,
    );
  }
  console.log(`${lines.join('\n')}\n`);
  console.log(
    `BENCH_JSON ${JSON.stringify({
      suite,
      rows: rows.map((row) => ({
        case: row.case,
        nsPerOp: row.subject.nsPerOp,
        opsPerSecond: row.subject.opsPerSecond,
        baselineNsPerOp: row.baseline?.nsPerOp,
        ratio: row.baseline ? row.subject.nsPerOp / row.baseline.nsPerOp : undefined,
        goal: row.goal,
        met: row.met,
      })),
    })}`,
  );
}
