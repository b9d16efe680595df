import {
  type Clock,
  type Configuration,
  type LanguageModel,
  type LanguageModelRequest,
  type LanguageModelResponse,
  type MultiAgentSpace,
  type TraceRecord,
  VarplaneError,
} from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import type { Subject } from 'rxjs';
import { applyValidated } from '../apply-team-config';
import type { Budget, BudgetUsage } from '../budget';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type Checkpoint,
  type CheckpointLmCall,
  type CheckpointRun,
  type CheckpointStore,
} from '../checkpoint';
import { CheckpointError, OptimizationAbortedError, TeamRunnerError } from '../errors';
import { CONSTANT_SCORE_TRIALS, type ProgressEvent, type TrialPurpose } from '../progress';
import type { ValueOrigin } from '../team-config';
import type { TeamExample } from '../team-example';
import type { RunLimits, TeamMetric, TeamRunner, TeamRunResult } from '../team-runner';
import type { TeamSpace } from '../team-space';
import { settleWithin } from './deadline';
import { hashText, stableStringify, toJson } from './json';
import { checkRunResult } from './run-result';

/** A team configuration an optimizer considers, with where it came from. */
export interface Candidate {
  readonly id: number;
  readonly configuration: Configuration;
  readonly parent: number | null;
  readonly strategy: string | null;
  readonly origins: Readonly<Record<string, ValueOrigin>>;
}

/** One scored team run. Stored exactly as a checkpoint keeps it. */
export type RunRecord = CheckpointRun;

/** One candidate run on a list of examples. */
export interface TrialResult {
  readonly trial: number;
  readonly candidate: Candidate;
  /** The runs that ran, in the order they were asked for. */
  readonly records: readonly RunRecord[];
  /** Every requested run ran (none was refused by the budget). */
  readonly complete: boolean;
  /** Mean score of `records`; NaN when empty. */
  readonly mean: number;
}

export interface EngineConfig {
  readonly optimizer: string;
  readonly team: TeamSpace;
  readonly examples: readonly TeamExample[];
  readonly runner: TeamRunner;
  readonly metric: TeamMetric;
  readonly concurrency: number;
  readonly budget: Budget;
  readonly signal: AbortSignal | undefined;
  readonly clock: Clock;
  readonly progress: Subject<ProgressEvent>;
  readonly checkpoint: { readonly store: CheckpointStore; readonly every: number } | undefined;
  readonly fingerprint: string;
  /** How long one `runner.run` may take before the run fails with `TEAM_RUN_TIMEOUT` (default 300 s). */
  readonly runTimeoutMs?: number;
  /** How long one metric call may take before the run fails with `METRIC_TIMEOUT` (default 60 s). */
  readonly metricTimeoutMs?: number;
}

/** Default deadline of one team run: LLM teams are slow, but none may hang an optimization. */
export const DEFAULT_RUN_TIMEOUT_MS = 300_000;
/** Default deadline of one metric call. */
export const DEFAULT_METRIC_TIMEOUT_MS = 60_000;

type Resource = 'tokens' | 'cost';
const RESOURCES: readonly Resource[] = ['tokens', 'cost'];

interface Pending {
  readonly seq: number;
  readonly candidate: Candidate;
  readonly exampleIndex: number;
  readonly seed: number;
  readonly faults: readonly string[];
  readonly key: string;
  resolve(record: RunRecord | undefined): void;
  reject(error: unknown): void;
}

type Decision =
  | { readonly verdict: 'admit'; readonly limits: RunLimits }
  | { readonly verdict: 'refuse' }
  | { readonly verdict: 'wait' };

const maxOf = (budget: Budget, resource: Resource) =>
  resource === 'tokens' ? budget.maxTokens : budget.maxCost;
const perRunOf = (budget: Budget, resource: Resource) =>
  (resource === 'tokens' ? budget.maxTokensPerRun : budget.maxCostPerRun) ??
  Number.POSITIVE_INFINITY;

function errorOf(error: unknown): { code: string; message: string } {
  if (VarplaneError.isInstance(error)) return { code: error.code, message: error.message };
  return {
    code: 'TEAM_RUN_FAILED',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** The run engine an optimization drives; see {@link createEngine}. */
export interface Engine {
  /** Loads the checkpoint (if any) and returns how many runs it will answer. */
  open(): Promise<number>;
  readonly exhausted: boolean;
  readonly failures: number;
  readonly completedRuns: number;
  usage(): BudgetUsage;
  emit(event: ProgressEvent): void;
  now(): number;
  /** Metric calls still allowed (Infinity without a limit). */
  remainingCalls(): number;
  /** Whether `runs` more runs fit the budget (calls exactly; tokens and cost by the mean so far). */
  canAfford(runs: number): boolean;
  /** How many runs a share of the whole budget pays for (Infinity without a limit). */
  runsWorth(share: number): number;
  /** The team with a candidate's configuration applied (built once per candidate). */
  spaceOf(candidate: Candidate): MultiAgentSpace;
  /** Runs a candidate on examples; see {@link createEngine}. */
  runTrial(
    candidate: Candidate,
    exampleIndices: readonly number[],
    seeds: readonly number[],
    purpose: TrialPurpose,
    faults?: readonly string[],
  ): Promise<TrialResult>;
  /** One call to the optimizer's own LM, budgeted and replayed. */
  generate(
    lm: LanguageModel,
    request: LanguageModelRequest,
  ): Promise<{ response: LanguageModelResponse } | { reason: string }>;
  /** Saves the checkpoint one last time and detaches from the signal. */
  close(): Promise<void>;
}

/**
 * Runs candidate teams on examples for an optimizer: a concurrency limit, budgets that are never
 * exceeded, a contained metric, and a replay log (the checkpoint). Runs are admitted strictly in
 * the order they were asked for, and every budget decision depends only on runs asked for earlier,
 * so an optimization is deterministic for a seed whatever the timing, and a resumed one replays.
 */
export function createEngine(config: EngineConfig): Engine {
  const runTimeoutMs = config.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const metricTimeoutMs = config.metricTimeoutMs ?? DEFAULT_METRIC_TIMEOUT_MS;
  const queue: Pending[] = [];
  const inFlight = new Map<number, Pending>();
  const reserved = { tokens: 0, cost: 0 };
  const committed = { tokens: 0, cost: 0 };
  const peak = { tokens: 0, cost: 0 };
  const spaces = new Map<number, MultiAgentSpace>();
  const configurationTexts = new Map<number, string>();
  const runs = new Map<number, RunRecord>();
  const lmCalls = new Map<number, CheckpointLmCall>();
  let replayRuns = new Map<number, CheckpointRun>();
  let replayLm = new Map<number, CheckpointLmCall>();
  let nextSeq = 0;
  let nextLmSeq = 0;
  let nextTrial = 0;
  let admitted = 0;
  let completedRuns = 0;
  let lmCallCount = 0;
  let failures = 0;
  let exhausted = false;
  // Set once the engine stops for good: on abort, or when the runner breaks its contract.
  let stopped: unknown;
  let unsaved = 0;
  let saving: Promise<void> = Promise.resolve();
  const onAbort = () => abort();

  /** Loads the checkpoint (if any) and returns how many runs it will answer. */
  async function open(): Promise<number> {
    const { checkpoint, fingerprint, optimizer, signal } = config;
    if (checkpoint !== undefined) {
      const loaded = await checkpoint.store.load();
      if (loaded !== undefined) {
        if (loaded.optimizer !== optimizer || loaded.fingerprint !== fingerprint) {
          throw new CheckpointError({
            code: 'CHECKPOINT_MISMATCH',
            message: `${optimizer}: the checkpoint belongs to another run (optimizer ${loaded.optimizer}, fingerprint ${loaded.fingerprint}; this run is ${fingerprint}): same seed, options, examples and team are needed to resume`,
          });
        }
        replayRuns = new Map(loaded.runs.map((run) => [run.seq, run]));
        replayLm = new Map(loaded.lmCalls.map((call) => [call.seq, call]));
      }
    }
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    return replayRuns.size;
  }

  function usage(): BudgetUsage {
    return {
      metricCalls: admitted,
      tokens: committed.tokens,
      cost: committed.cost,
      lmCalls: lmCallCount,
    };
  }

  // The first trials' scores, to warn once when the metric scores every run alike.
  const early = { trials: 0, runs: 0, failures: 0, score: Number.NaN, alike: true };
  function watchScores(records: readonly RunRecord[]): void {
    if (early.trials >= CONSTANT_SCORE_TRIALS) return;
    early.trials++;
    for (const record of records) {
      if (early.runs === 0) early.score = record.score;
      else if (record.score !== early.score) early.alike = false;
      early.runs++;
      if (record.failed) early.failures++;
    }
    if (early.trials === CONSTANT_SCORE_TRIALS && early.alike && early.runs > 1) {
      emit({
        type: 'metric-constant',
        score: early.score,
        trials: early.trials,
        runs: early.runs,
        failures: early.failures,
        at: now(),
      });
    }
  }

  function emit(event: ProgressEvent): void {
    config.progress.next(event);
  }

  function now(): number {
    return config.clock.now();
  }

  /** Metric calls still allowed (Infinity without a limit). */
  function remainingCalls(): number {
    const max = config.budget.maxMetricCalls;
    return max === undefined ? Number.POSITIVE_INFINITY : max - admitted - queue.length;
  }

  /**
   * Whether `runs` more runs fit the budget, judged on calls exactly and on tokens and cost by
   * the mean spend of the runs so far. For planning whole steps; the hard limits hold anyway.
   */
  function canAfford(runs: number): boolean {
    if (exhausted) return false;
    if (runs > remainingCalls()) return false;
    const finished = Math.max(1, completedRuns);
    for (const resource of RESOURCES) {
      const max = maxOf(config.budget, resource);
      if (max === undefined || completedRuns === 0) continue;
      const mean = committed[resource] / finished;
      if (committed[resource] + reserved[resource] + runs * mean > max) return false;
    }
    return true;
  }

  /**
   * How many runs `share` of the whole budget pays for: the fewest over its limits, calls
   * exactly, tokens and cost at the mean spend of the runs so far (Infinity without a limit, or
   * before any run has shown what a run costs).
   */
  function runsWorth(share: number): number {
    let runs = Number.POSITIVE_INFINITY;
    const calls = config.budget.maxMetricCalls;
    if (calls !== undefined) runs = Math.floor(share * calls);
    for (const resource of RESOURCES) {
      const max = maxOf(config.budget, resource);
      const mean = committed[resource] / Math.max(1, completedRuns);
      if (max === undefined || !(mean > 0)) continue;
      runs = Math.min(runs, Math.floor((share * max) / mean));
    }
    return runs;
  }

  /** The team with a candidate's configuration applied (built once per candidate). */
  function spaceOf(candidate: Candidate): MultiAgentSpace {
    let space = spaces.get(candidate.id);
    if (space === undefined) {
      space = applyValidated(config.team, candidate.configuration);
      spaces.set(candidate.id, space);
    }
    return space;
  }

  /**
   * Runs a candidate on examples (one run each, with the given seeds) and scores every run. Runs
   * the budget refuses are left out and `complete` is false. Rejects with an
   * `OptimizationAbortedError` as soon as the signal fires.
   */
  async function runTrial(
    candidate: Candidate,
    exampleIndices: readonly number[],
    seeds: readonly number[],
    purpose: TrialPurpose,
    faults: readonly string[] = [],
  ): Promise<TrialResult> {
    const trial = nextTrial++;
    emit({
      type: 'trial-started',
      trial,
      candidate: candidate.id,
      purpose,
      examples: exampleIndices.length,
      at: now(),
    });
    const results = await Promise.all(
      exampleIndices.map((exampleIndex, i) =>
        request(candidate, exampleIndex, seeds[i] ?? 0, faults),
      ),
    );
    const records = results.filter((record): record is RunRecord => record !== undefined);
    const mean =
      records.length === 0
        ? Number.NaN
        : records.reduce((sum, record) => sum + record.score, 0) / records.length;
    emit({
      type: 'trial-finished',
      trial,
      candidate: candidate.id,
      purpose,
      score: mean,
      runs: records.length,
      failures: records.filter((record) => record.failed).length,
      at: now(),
    });
    emit({ type: 'budget-used', usage: usage(), at: now() });
    watchScores(records);
    return { trial, candidate, records, complete: records.length === exampleIndices.length, mean };
  }

  /**
   * One call to the optimizer's own LM, budgeted and replayed from the checkpoint. Resolves to
   * `undefined`, with the reason, when the budget or the LM refuses.
   */
  async function generate(
    lm: LanguageModel,
    request: LanguageModelRequest,
  ): Promise<{ response: LanguageModelResponse } | { reason: string }> {
    throwIfAborted();
    const seq = nextLmSeq++;
    const key = hashText(stableStringify({ ...request, signal: undefined }));
    const replayed = replayLm.get(seq);
    if (replayed !== undefined) {
      checkKey('LM call', seq, replayed.key, key);
      return settleLm(replayed);
    }
    const maxTokens = config.budget.maxTokens;
    if (maxTokens !== undefined) {
      // A token is at least one character, so characters bound the prompt's tokens from above.
      const chars = request.messages.reduce((sum, message) => sum + message.content.length, 0);
      const bound = chars + (request.maxTokens ?? 1024);
      if (committed.tokens + reserved.tokens + bound > maxTokens) {
        return { reason: `the token budget cannot cover an LM call of up to ${bound} tokens` };
      }
    }
    const maxCost = config.budget.maxCost;
    if (maxCost !== undefined) {
      const bound = config.budget.maxCostPerRun;
      if (bound === undefined) {
        return { reason: 'a cost budget bounds optimizer LM calls only with budget.maxCostPerRun' };
      }
      if (committed.cost + reserved.cost + bound > maxCost) {
        return { reason: 'the cost budget cannot cover another LM call' };
      }
    }
    let call: CheckpointLmCall;
    try {
      const response = await lm.generate({
        ...request,
        ...(config.signal === undefined ? {} : { signal: config.signal }),
      });
      call = { seq, key, response: toJson(response), error: null };
    } catch (error) {
      call = { seq, key, response: null, error: errorOf(error) };
    }
    throwIfAborted();
    lmCalls.set(seq, call);
    noteSaved();
    return settleLm(call);
  }

  /** Saves the checkpoint one last time and detaches from the signal. */
  async function close(): Promise<void> {
    config.signal?.removeEventListener('abort', onAbort);
    if (config.checkpoint !== undefined) {
      scheduleSave();
      await saving;
    }
  }

  function settleLm(
    call: CheckpointLmCall,
  ): { response: LanguageModelResponse } | { reason: string } {
    lmCallCount++;
    if (call.response === null) {
      return { reason: `the LM failed: ${call.error?.message ?? 'no response'}` };
    }
    committed.tokens += call.response.usage.totalTokens;
    committed.cost += call.response.usage.cost ?? 0;
    return { response: call.response };
  }

  function request(
    candidate: Candidate,
    exampleIndex: number,
    seed: number,
    faults: readonly string[],
  ): Promise<RunRecord | undefined> {
    // A rejection, never a throw: a trial builds its runs in a loop, and a throw halfway would
    // leave the runs already asked for rejecting with nobody listening.
    if (stopped !== undefined) return Promise.reject(stopped);
    const seq = nextSeq++;
    // The text of stableStringify([configuration, exampleIndex, seed, faults or 0]), with the
    // configuration's part worked out once per candidate rather than once per run.
    let configurationText = configurationTexts.get(candidate.id);
    if (configurationText === undefined) {
      configurationText = stableStringify(candidate.configuration);
      configurationTexts.set(candidate.id, configurationText);
    }
    const key = hashText(
      `[${configurationText},${stableStringify(exampleIndex)},${stableStringify(seed)},${faults.length ? stableStringify(faults) : '0'}]`,
    );
    return new Promise((resolve, reject) => {
      queue.push({ seq, candidate, exampleIndex, seed, faults, key, resolve, reject });
      pump();
    });
  }

  function pump(): void {
    while (queue.length > 0 && stopped === undefined) {
      const head = queue[0] as Pending;
      const replayed = replayRuns.get(head.seq);
      if (replayed !== undefined) {
        queue.shift();
        checkKey('run', head.seq, replayed.key, head.key);
        admitted++;
        finish(head, replayed);
        continue;
      }
      const decision = decide();
      if (decision.verdict === 'wait') return;
      if (decision.verdict === 'refuse') {
        exhausted = true;
        queue.shift();
        head.resolve(undefined);
        continue;
      }
      if (inFlight.size >= config.concurrency) return;
      queue.shift();
      admitted++;
      start(head, decision.limits);
    }
  }

  function decide(): Decision {
    const budget = config.budget;
    if (exhausted) return { verdict: 'refuse' };
    if (budget.maxMetricCalls !== undefined && admitted >= budget.maxMetricCalls) {
      return { verdict: 'refuse' };
    }
    const limits: { tokens?: number; cost?: number } = {};
    for (const resource of RESOURCES) {
      const max = maxOf(budget, resource);
      if (max === undefined) continue;
      const perRun = perRunOf(budget, resource);
      // Safe however the runs in flight end: the exact rule below would admit it the same way.
      if (committed[resource] + reserved[resource] + perRun <= max) {
        limits[resource] = perRun;
        continue;
      }
      if (inFlight.size > 0) return { verdict: 'wait' };
      const remaining = max - committed[resource];
      const need = Math.max(peak[resource], resource === 'tokens' ? 1 : Number.MIN_VALUE);
      if (remaining < need) return { verdict: 'refuse' };
      limits[resource] = Math.min(perRun, remaining);
    }
    return { verdict: 'admit', limits };
  }

  function start(pending: Pending, limits: RunLimits): void {
    inFlight.set(pending.seq, pending);
    for (const resource of RESOURCES) reserved[resource] += limits[resource] ?? 0;
    execute(pending, limits).then((record) => {
      if (stopped !== undefined) return;
      for (const resource of RESOURCES) reserved[resource] -= limits[resource] ?? 0;
      inFlight.delete(pending.seq);
      runs.set(record.seq, record);
      noteSaved();
      finish(pending, record);
      pump();
    }, stop);
  }

  async function execute(pending: Pending, limits: RunLimits): Promise<RunRecord> {
    const { clock, examples, metric, runner } = config;
    const example = examples[pending.exampleIndex] as (typeof examples)[number];
    const started = clock.now();
    const controller = new AbortController();
    const abort = () => controller.abort();
    config.signal?.addEventListener('abort', abort, { once: true });
    let result: TeamRunResult | undefined;
    let error: { code: string; message: string } | null = null;
    const ran = await settleWithin(clock, runTimeoutMs, () =>
      runner.run({
        space: spaceOf(pending.candidate),
        configuration: pending.candidate.configuration,
        example,
        exampleIndex: pending.exampleIndex,
        seed: pending.seed,
        runId: `${config.optimizer}-${pending.seq}`,
        limits,
        faults: pending.faults,
        signal: controller.signal,
      }),
    );
    config.signal?.removeEventListener('abort', abort);
    if (ran.kind === 'timeout') {
      error = {
        code: 'TEAM_RUN_TIMEOUT',
        message: `runner.run did not settle within ${runTimeoutMs} ms (options.runTimeoutMs)`,
      };
      // Tells the runner to stop the abandoned run.
      controller.abort(new Error(error.message));
    } else if (ran.kind === 'error') {
      error = errorOf(ran.error);
    } else {
      result = checkRunResult(config.optimizer, ran.value);
      if (result.error !== undefined) error = { ...result.error };
    }
    let score = 0;
    if (result !== undefined && error === null) {
      const run = result;
      const scored = await settleWithin(clock, metricTimeoutMs, () => metric(example, run));
      if (scored.kind === 'timeout') {
        error = {
          code: 'METRIC_TIMEOUT',
          message: `metric did not settle within ${metricTimeoutMs} ms (options.metricTimeoutMs)`,
        };
      } else if (scored.kind === 'error') {
        const thrown = scored.error;
        const why = thrown instanceof Error ? thrown.message : String(thrown);
        error = { code: 'METRIC_FAILED', message: `metric threw: ${why}` };
      } else {
        const raw = scored.value;
        if (typeof raw === 'boolean') score = raw ? 1 : 0;
        else if (typeof raw === 'number' && Number.isFinite(raw)) score = raw;
        else
          error = {
            code: 'METRIC_INVALID_SCORE',
            message: `metric returned ${describeValue(raw)}`,
          };
      }
    }
    return recordOf({
      seq: pending.seq,
      key: pending.key,
      candidate: pending.candidate.id,
      exampleIndex: pending.exampleIndex,
      seed: pending.seed,
      score: error === null ? score : 0,
      failed: error !== null,
      error,
      output: result?.output ?? null,
      traces: (result?.traces ?? []) as TraceRecord[],
      usage: { tokens: result?.usage.totalTokens ?? 0, cost: result?.usage.cost ?? 0 },
      messages: result?.messages ?? 0,
      memoryBytes: result?.memoryBytes ?? 0,
      durationMs: Math.max(0, clock.now() - started),
    });
  }

  /** The run as plain JSON; output or traces that cannot be copied break the runner's contract. */
  function recordOf(raw: RunRecord): RunRecord {
    try {
      return toJson<RunRecord>(raw);
    } catch (error) {
      throw new TeamRunnerError({
        code: 'TEAM_RUNNER_INVALID_RESULT',
        message: `${config.optimizer}: runner.run resolved to output or traces that are not JSON data: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }

  function finish(pending: Pending, record: RunRecord): void {
    completedRuns++;
    if (record.failed) failures++;
    committed.tokens += record.usage.tokens;
    committed.cost += record.usage.cost;
    peak.tokens = Math.max(peak.tokens, record.usage.tokens);
    peak.cost = Math.max(peak.cost, record.usage.cost);
    pending.resolve(record);
  }

  function checkKey(what: string, seq: number, stored: string, expected: string): void {
    if (stored === expected) return;
    throw new CheckpointError({
      code: 'CHECKPOINT_MISMATCH',
      message: `${config.optimizer}: checkpoint ${what} ${seq} was made for other inputs (key ${stored}, expected ${expected})`,
    });
  }

  function throwIfAborted(): void {
    if (stopped !== undefined) throw stopped;
  }

  function abort(): void {
    stop(
      new OptimizationAbortedError({
        optimizer: config.optimizer,
        completedRuns: completedRuns,
        cause: config.signal?.reason,
      }),
    );
  }

  /** Stops for good: every run asked for and not finished rejects with `error`. */
  function stop(error: unknown): void {
    if (stopped !== undefined) return;
    stopped = error;
    for (const pending of [...queue, ...inFlight.values()]) pending.reject(error);
    queue.length = 0;
    inFlight.clear();
  }

  function noteSaved(): void {
    const checkpoint = config.checkpoint;
    if (checkpoint === undefined) return;
    unsaved++;
    if (unsaved >= checkpoint.every) scheduleSave();
  }

  function scheduleSave(): void {
    const checkpoint = config.checkpoint;
    if (checkpoint === undefined) return;
    unsaved = 0;
    const snapshot: Checkpoint = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      optimizer: config.optimizer,
      fingerprint: config.fingerprint,
      runs: [...new Map([...replayRuns, ...runs]).values()].sort((a, b) => a.seq - b.seq),
      lmCalls: [...new Map([...replayLm, ...lmCalls]).values()].sort((a, b) => a.seq - b.seq),
    };
    saving = saving.then(async () => {
      try {
        await checkpoint.store.save(snapshot);
        emit({ type: 'checkpoint-saved', runs: snapshot.runs.length, at: now() });
      } catch (error) {
        emit({ type: 'checkpoint-failed', error: toErrorInfo(error), at: now() });
      }
    });
  }

  return {
    open,
    get exhausted() {
      return exhausted;
    },
    get failures() {
      return failures;
    },
    get completedRuns() {
      return completedRuns;
    },
    usage,
    emit,
    now,
    remainingCalls,
    canAfford,
    runsWorth,
    spaceOf,
    runTrial,
    generate,
    close,
  };
}
