/**
 * The benchmark harness every package's `bench/` uses. A case is a varplane path (the subject)
 * beside a baseline with the same semantics: both are warmed up until their timings settle, then
 * measured in alternating rounds (the order flipping every round), so a neighbour's load or a
 * late JIT tier spoils single rounds, not the ratio. The table gives the median ratio over the
 * rounds with its min-max, and each side's spread.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface Measurement {
  name: string;
  /** Median nanoseconds per operation over the samples. */
  nsPerOp: number;
  opsPerSecond: number;
  /** Spread of the samples: (p75 - p25) / median. */
  spread: number;
  samples: number;
  /** False when the timings had not settled when the warm-up time ran out. */
  stable?: boolean;
}

/** How much one body call does, and how long to spend on it. */
export interface MeasureOptions {
  /** Operations one call of `fn` performs (a burst of 10,000 messages is 10,000). */
  opsPerCall?: number;
  /** Wall time to spend sampling, after warm-up (default 400 ms for `measure`). */
  minTimeMs?: number;
  /** The longest warm-up; it ends earlier once five batches in a row agree within 10%. */
  maxWarmupMs?: number;
  /** A batch that takes longer fails the benchmark: a lost message must not hang it. */
  deadlineMs?: number;
  /** Runs after every batch; throw to fail the benchmark (a wrong count, a wrong answer). */
  check?: () => void;
}

type Body = () => unknown;

/** A batch, a benchmark body or a check went wrong: the numbers would mean nothing. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
}

const DEFAULT_DEADLINE_MS = 30_000;
const MIN_WARMUP_MS = 200;
const STABLE_BATCHES = 5;
const STABLE_WITHIN = 0.1;

async function timeBatch(fn: Body, calls: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const out = fn();
    if (out instanceof Promise) await out;
  }
  return performance.now() - start;
}

/** One batch under a deadline (armed outside the timed part), then the check. */
async function runBatch(
  name: string,
  fn: Body,
  calls: number,
  options: MeasureOptions,
): Promise<number> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BenchError(`${name}: a batch of ${calls} calls took over ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  try {
    const ms = await Promise.race([timeBatch(fn, calls), deadline]);
    options.check?.();
    return ms;
  } finally {
    clearTimeout(timer);
  }
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;

/** A body sized and warmed up once, then sampled as often as wanted. */
export interface Sampler {
  readonly name: string;
  /** Samples for `minTimeMs` (at least 5 batches). */
  sample(minTimeMs: number): Promise<Measurement>;
}

/** Sizes a batch to ~5 ms, so timer resolution does not matter, and warms up until stable. */
export async function prepare(
  name: string,
  fn: Body,
  options: MeasureOptions = {},
): Promise<Sampler> {
  const opsPerCall = options.opsPerCall ?? 1;
  let calls = 1;
  let elapsed = await runBatch(name, fn, calls, options);
  while (elapsed < 5 && calls < 1 << 24) {
    calls *= 2;
    elapsed = await runBatch(name, fn, calls, options);
  }
  // Warm up until five batches in a row agree: the JIT has settled on its final code.
  const maxWarmupMs = Math.max(MIN_WARMUP_MS, options.maxWarmupMs ?? 3_000);
  const started = performance.now();
  const recent: number[] = [];
  let stable = false;
  while (performance.now() - started < maxWarmupMs) {
    recent.push(await runBatch(name, fn, calls, options));
    if (recent.length > STABLE_BATCHES) recent.shift();
    if (recent.length === STABLE_BATCHES && performance.now() - started >= MIN_WARMUP_MS) {
      const sorted = [...recent].sort((a, b) => a - b);
      if (
        ((sorted.at(-1) as number) - (sorted[0] as number)) / quantile(sorted, 0.5) <=
        STABLE_WITHIN
      ) {
        stable = true;
        break;
      }
    }
  }
  return {
    name,
    async sample(minTimeMs) {
      const perOp: number[] = [];
      const end = performance.now() + minTimeMs;
      while (performance.now() < end || perOp.length < 5) {
        const ms = await runBatch(name, fn, calls, options);
        perOp.push((ms * 1e6) / (calls * opsPerCall));
      }
      perOp.sort((a, b) => a - b);
      const median = quantile(perOp, 0.5);
      return {
        name,
        nsPerOp: median,
        opsPerSecond: 1e9 / median,
        spread: (quantile(perOp, 0.75) - quantile(perOp, 0.25)) / median,
        samples: perOp.length,
        stable,
      };
    },
  };
}

/** Times `fn` alone (no baseline) and returns the median cost of one operation. */
export async function measure(
  name: string,
  fn: Body,
  options: MeasureOptions = {},
): Promise<Measurement> {
  const sampler = await prepare(name, fn, options);
  return sampler.sample(options.minTimeMs ?? 400);
}

/** One side of a comparison. */
export interface Trial extends MeasureOptions {
  name: string;
  fn: Body;
  /** Runs before each round of this side (a fresh space, say); not timed. */
  before?: () => unknown;
  /** Runs after each round of this side; not timed. */
  after?: () => unknown;
}

export interface CompareOptions {
  /** Rounds of baseline and subject, the order flipping each round (default 6, at least 5). */
  rounds?: number;
  /** Sampling time of each side in each round (default 200 ms). */
  roundMs?: number;
  /** Record the event loop's delay while the subject runs (`monitorEventLoopDelay`). */
  loopDelay?: boolean;
}

export interface Ratio {
  /** Median over the rounds of subject / baseline time per operation. */
  median: number;
  min: number;
  max: number;
  rounds: number;
}

/** The event loop's delay while the subject ran, in ms. */
export interface LoopDelay {
  /** The 99th percentile of the worst round. */
  p99Ms: number;
  maxMs: number;
}

export interface Comparison {
  /** The subject's median round. */
  subject: Measurement;
  /** The baseline's median round. */
  baseline: Measurement;
  ratio: Ratio;
  loopDelay?: LoopDelay;
}

/**
 * The event loop's delay over several stretches of time. A fresh histogram each stretch: one
 * that is disabled and enabled again counts the gap between as a delay.
 */
class LoopDelayRecorder {
  private current: ReturnType<typeof monitorEventLoopDelay> | null = null;
  private p99Ms = 0;
  private maxMs = 0;

  start(): void {
    this.current = monitorEventLoopDelay({ resolution: 1 });
    this.current.enable();
  }

  stop(): void {
    const h = this.current;
    if (h === null) return;
    h.disable();
    this.current = null;
    if (h.count === 0) return;
    this.p99Ms = Math.max(this.p99Ms, h.percentile(99) / 1e6);
    this.maxMs = Math.max(this.maxMs, h.max / 1e6);
  }

  result(): LoopDelay {
    return { p99Ms: this.p99Ms, maxMs: this.maxMs };
  }
}

const medianOf = (ms: readonly Measurement[]) =>
  [...ms].sort((a, b) => a.nsPerOp - b.nsPerOp)[Math.floor((ms.length - 1) / 2)] as Measurement;

/**
 * Measures subject and baseline alternately over rounds and gives the ratio's median and range.
 *
 * @example
 * const c = await compare(
 *   { name: 'varplane burst', fn: burst, opsPerCall: 10_000 },
 *   { name: 'bare burst', fn: bareBurst, opsPerCall: 10_000 },
 * );
 * report('runtime', [{ case: 'burst', ...c, goal: '<= 2x', met: c.ratio.median <= 2 }]);
 */
export async function compare(
  subject: Trial,
  baseline: Trial,
  options: CompareOptions = {},
): Promise<Comparison> {
  const rounds = Math.max(5, options.rounds ?? 6);
  const roundMs = options.roundMs ?? 200;
  const histogram = options.loopDelay === true ? new LoopDelayRecorder() : null;
  const samplers = new Map<Trial, Sampler>();
  const results = new Map<Trial, Measurement[]>([
    [subject, []],
    [baseline, []],
  ]);
  const side = async (trial: Trial) => {
    await trial.before?.();
    try {
      let sampler = samplers.get(trial);
      if (sampler === undefined) {
        sampler = await prepare(trial.name, trial.fn, trial);
        samplers.set(trial, sampler);
      }
      const watch = histogram !== null && trial === subject;
      if (watch) histogram.start();
      const result = await sampler.sample(roundMs);
      if (watch) histogram.stop();
      results.get(trial)?.push(result);
    } finally {
      await trial.after?.();
    }
  };
  for (let round = 0; round < rounds; round++) {
    const [first, second] = round % 2 === 0 ? [baseline, subject] : [subject, baseline];
    await side(first);
    await side(second);
  }
  const subjects = results.get(subject) as Measurement[];
  const baselines = results.get(baseline) as Measurement[];
  const ratios = subjects
    .map((s, i) => s.nsPerOp / (baselines[i] as Measurement).nsPerOp)
    .sort((a, b) => a - b);
  const comparison: Comparison = {
    subject: medianOf(subjects),
    baseline: medianOf(baselines),
    ratio: {
      median: quantile(ratios, 0.5),
      min: ratios[0] as number,
      max: ratios.at(-1) as number,
      rounds,
    },
  };
  if (histogram !== null) comparison.loopDelay = histogram.result();
  return comparison;
}

/**
 * Measures a subject alone over rounds, recording the event loop's delay while it runs: for the
 * cases whose goal is an absolute rate rather than a ratio.
 */
export async function sampleRounds(
  subject: Trial,
  options: CompareOptions = {},
): Promise<{ subject: Measurement; loopDelay?: LoopDelay }> {
  const histogram = options.loopDelay === true ? new LoopDelayRecorder() : null;
  const count = Math.max(5, options.rounds ?? 6);
  const results: Measurement[] = [];
  let sampler: Sampler | undefined;
  for (let round = 0; round < count; round++) {
    await subject.before?.();
    try {
      sampler ??= await prepare(subject.name, subject.fn, subject);
      histogram?.start();
      results.push(await sampler.sample(options.roundMs ?? 200));
      histogram?.stop();
    } finally {
      await subject.after?.();
    }
  }
  const out: { subject: Measurement; loopDelay?: LoopDelay } = { subject: medianOf(results) };
  if (histogram !== null) out.loopDelay = histogram.result();
  return out;
}

export interface Row {
  case: string;
  subject: Measurement;
  baseline?: Measurement;
  /** From {@link compare}; without it the ratio shown is of the two medians. */
  ratio?: Ratio;
  loopDelay?: LoopDelay;
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

const formatSpread = (m: Measurement) =>
  m.samples <= 1 ? 'once' : `${(m.spread * 100).toFixed(0)}%${m.stable === false ? '*' : ''}`;

function formatRatio(row: Row): string {
  if (row.ratio !== undefined) {
    const { median, min, max } = row.ratio;
    return `${median.toFixed(2)}x (${min.toFixed(2)}-${max.toFixed(2)})`;
  }
  return row.baseline ? `${(row.subject.nsPerOp / row.baseline.nsPerOp).toFixed(2)}x` : '-';
}

/** Prints a markdown table and one `BENCH_JSON` line for machines. */
export function report(suite: string, rows: readonly Row[]): void {
  const withDelay = rows.some((row) => row.loopDelay !== undefined);
  const lines = [
    `### ${suite}`,
    '',
    `| case | varplane | spread | rate | baseline | spread | ratio, median (min-max) |${withDelay ? ' loop delay p99 / max |' : ''} goal |`,
    `|---|---|---|---|---|---|---|${withDelay ? '---|' : ''}---|`,
  ];
  for (const row of rows) {
    const goal = row.goal
      ? `${row.goal}${row.met === undefined ? '' : row.met ? ' (met)' : ' (missed)'}`
      : '-';
    const delay = row.loopDelay
      ? ` ${row.loopDelay.p99Ms.toFixed(1)} / ${row.loopDelay.maxMs.toFixed(1)} ms |`
      : ' - |';
    lines.push(
      `| ${row.case} | ${formatNs(row.subject.nsPerOp)}/op | ${formatSpread(row.subject)} | ${formatRate(
        row.subject.opsPerSecond,
      )} | ${row.baseline ? `${formatNs(row.baseline.nsPerOp)}/op` : '-'} | ${
        row.baseline ? formatSpread(row.baseline) : '-'
      } | ${formatRatio(row)} |${withDelay ? delay : ''} ${goal} |`,
    );
  }
  const rounds = rows.find((row) => row.ratio !== undefined)?.ratio?.rounds;
  const notes = [
    'spread: (p75 - p25) / median of the samples; * marks timings that had not settled in warm-up.',
  ];
  if (rounds !== undefined) notes.push(`ratios over ${rounds} alternating rounds.`);
  console.log(`${lines.join('\n')}\n\n${notes.join(' ')}\n`);
  console.log(
    `BENCH_JSON ${JSON.stringify({
      suite,
      rows: rows.map((row) => ({
        case: row.case,
        nsPerOp: row.subject.nsPerOp,
        opsPerSecond: row.subject.opsPerSecond,
        spread: row.subject.spread,
        baselineNsPerOp: row.baseline?.nsPerOp,
        baselineSpread: row.baseline?.spread,
        ratio: row.ratio ?? (row.baseline ? row.subject.nsPerOp / row.baseline.nsPerOp : undefined),
        loopDelay: row.loopDelay,
        goal: row.goal,
        met: row.met,
      })),
    })}`,
  );
}
