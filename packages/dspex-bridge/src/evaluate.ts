import { type Clock, type LanguageModelUsage, systemClock, VarplaneError } from '@varplane/core';
import { z } from 'zod';
import type { Example } from './example';
import { timeoutSchema } from './internal/deadline';
import {
  invalidArgument,
  isVarplaneError,
  parseList,
  parseOptions,
  readable,
} from './internal/parse-options';
import { runUserCode } from './internal/user-code';
import type { CallOptions, Program } from './program';
import type { ProgramTrace, TraceSink } from './trace';

/**
 * Scores one prediction against its example: a number (higher is better, usually in [0, 1]) or a
 * boolean (1 or 0). It sees the traces of the run, so it can judge intermediate steps.
 */
export type Metric<O = Record<string, unknown>> = (
  example: Example,
  prediction: O,
  traces: readonly ProgramTrace[],
) => number | boolean | Promise<number | boolean>;

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Examples run at once (default 4). */
  readonly concurrency?: number;
  /** Times the run (default the system clock). */
  readonly clock?: Clock;
  /** Stops the evaluation: calls in flight are aborted and it rejects with `EVALUATION_ABORTED`. */
  readonly signal?: AbortSignal;
  /** Passed to every call (a model override, an agent id...). */
  readonly callOptions?: Omit<CallOptions, 'signal' | 'runId' | 'trace'>;
  /** Also receives every trace. */
  readonly trace?: TraceSink;
  /** Run ids are `${runIdPrefix}-${index}` (default `eval`). */
  readonly runIdPrefix?: string;
  /**
   * Deadline of one example's program call, in ms (default 600 000): past it the example fails
   * with `CALLBACK_TIMEOUT` and the call's signal is aborted.
   */
  readonly timeoutMs?: number;
  /** Deadline of one metric call, in ms (default 60 000): past it the example fails with `CALLBACK_TIMEOUT`. */
  readonly metricTimeoutMs?: number;
}

const DEFAULT_EXAMPLE_TIMEOUT_MS = 600_000;
const DEFAULT_METRIC_TIMEOUT_MS = 60_000;

/** How one example went. */
export interface ExampleResult<O = Record<string, unknown>> {
  readonly index: number;
  readonly example: Example;
  /** Absent when the program or the metric failed. */
  readonly prediction?: O;
  /** The metric's score; 0 on failure. */
  readonly score: number;
  readonly error?: { readonly code: string; readonly message: string };
  readonly traces: readonly ProgramTrace[];
}

/** Counts and timing of an evaluation. */
export interface EvaluationStats {
  readonly total: number;
  readonly successes: number;
  readonly failures: number;
  /** On the injected clock. */
  readonly durationMs: number;
  /** Examples per second; undefined when no time passed on the clock. */
  readonly throughput: number | undefined;
  /** Tokens and cost of every model call. */
  readonly usage: LanguageModelUsage;
}

/** What {@link evaluate} returns. */
export interface EvaluationResult<O = Record<string, unknown>> {
  /** The mean score over every example, failures counting 0. */
  readonly score: number;
  /** In devset order. */
  readonly results: readonly ExampleResult<O>[];
  readonly stats: EvaluationStats;
}

const optionsSchema = z.strictObject({
  concurrency: z.int().positive().optional(),
  clock: z
    .custom<Clock>((v) => typeof (v as Clock | null)?.now === 'function', 'must be a Clock')
    .optional(),
  signal: z.instanceof(AbortSignal).optional(),
  callOptions: z.record(z.string(), z.unknown()).optional(),
  trace: z
    .custom<TraceSink>(
      (v) => typeof (v as TraceSink | null)?.record === 'function',
      'must be a TraceSink',
    )
    .optional(),
  runIdPrefix: z.string().min(1).optional(),
  timeoutMs: timeoutSchema.optional(),
  metricTimeoutMs: timeoutSchema.optional(),
});

const programSchema = z.custom<Program<unknown, unknown>>(
  // An object: every function has a `call` of its own (Function.prototype.call).
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Program).call === 'function' &&
    typeof (v as Program).signature === 'object',
  'must be a Program',
);
const devsetItemSchema = z.looseObject({ inputs: z.record(z.string(), z.unknown()) });
const metricSchema = z.custom<Metric<unknown>>(
  (v) => typeof v === 'function',
  'must be a function',
);

function errorInfo(error: unknown): { code: string; message: string } {
  if (isVarplaneError(error)) return { code: error.code, message: error.message };
  return { code: 'ERROR', message: readable(error) };
}

function messageOf(cause: unknown): string {
  try {
    if (cause instanceof Error) return cause.message;
  } catch {
    // A Proxy: described below.
  }
  return readable(cause);
}

function sumUsage(
  traces: readonly ProgramTrace[],
  into: { input: number; output: number; cost: number | undefined },
) {
  for (const trace of traces) {
    if (trace.usage === undefined) continue;
    into.input += trace.usage.inputTokens;
    into.output += trace.usage.outputTokens;
    if (trace.usage.cost !== undefined) into.cost = (into.cost ?? 0) + trace.usage.cost;
  }
}

/**
 * Runs a program over a devset and scores it: the mean score (failures count 0), each example's
 * prediction, score, error and traces, and stats (successes, failures, duration, throughput,
 * usage). A failing example never fails the evaluation.
 *
 * @example
 * const { score, stats } = await evaluate(qa, devset, (ex, pred) => pred.answer === ex.labels.answer, {
 *   concurrency: 8,
 * });
 */
export async function evaluate<I, O>(
  program: Program<I, O>,
  devset: readonly Example[],
  metric: Metric<O>,
  options: EvaluateOptions = {},
): Promise<EvaluationResult<O>> {
  const subject = 'evaluate';
  const checked = parseOptions(optionsSchema, options, subject, 'INVALID_ARGUMENT', 'options');
  parseOptions(programSchema, program, subject, 'INVALID_ARGUMENT', 'program');
  const examples = parseList(
    devsetItemSchema,
    devset,
    subject,
    'INVALID_ARGUMENT',
    'devset',
  ) as unknown as Example[];
  parseOptions(metricSchema, metric, subject, 'INVALID_ARGUMENT', 'metric');
  options = checked as EvaluateOptions;
  devset = examples;

  const clock = options.clock ?? systemClock;
  // Deadlines need timers; a clock that only tells the time leaves them to the system clock.
  const timers = typeof clock.setTimeout === 'function' ? clock : systemClock;
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXAMPLE_TIMEOUT_MS;
  const metricTimeoutMs = options.metricTimeoutMs ?? DEFAULT_METRIC_TIMEOUT_MS;
  const concurrency = options.concurrency ?? 4;
  const prefix = options.runIdPrefix ?? 'eval';
  const results: ExampleResult<O>[] = new Array(devset.length);
  const startedAt = clock.now();
  const aborted = () =>
    new VarplaneError({
      code: 'EVALUATION_ABORTED',
      message: `evaluate: aborted after ${results.filter(Boolean).length} of ${devset.length} examples`,
      cause: options.signal?.reason,
    });

  const runOne = async (index: number): Promise<void> => {
    const item = devset[index] as Example;
    const traces: ProgramTrace[] = [];
    const sink: TraceSink = {
      record(trace) {
        traces.push(trace);
        options.trace?.record(trace);
      },
    };
    let prediction: O;
    try {
      prediction = await runUserCode(
        `evaluate: example ${index}`,
        {
          clock: timers,
          timeoutMs,
          signal: options.signal,
          aborted: () => aborted(),
        },
        (signal) =>
          program.call(
            item.inputs as I,
            {
              ...options.callOptions,
              runId: `${prefix}-${index}`,
              trace: sink,
              signal,
            } as CallOptions,
          ),
      );
    } catch (error) {
      results[index] = { index, example: item, score: 0, error: errorInfo(error), traces };
      return;
    }
    try {
      const raw = await runUserCode(
        `evaluate: metric on example ${index}`,
        { clock: timers, timeoutMs: metricTimeoutMs, aborted: () => aborted() },
        () => metric(item, prediction, traces),
      );
      const score = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
      if (typeof score !== 'number' || !Number.isFinite(score)) {
        throw new VarplaneError({
          code: 'METRIC_INVALID',
          message: `evaluate: metric returned ${String(raw)} for example ${index}; it must return a finite number or a boolean`,
        });
      }
      results[index] = { index, example: item, prediction, score, traces };
    } catch (error) {
      const thrown = isVarplaneError(error) && error.code === 'CALLBACK_FAILED';
      const info = thrown
        ? {
            code: 'METRIC_FAILED',
            message: `evaluate: metric threw on example ${index}: ${messageOf(error.cause)}`,
          }
        : errorInfo(error);
      results[index] = { index, example: item, score: 0, error: info, traces };
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < devset.length) {
      if (options.signal?.aborted) return;
      await runOne(next++);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devset.length) }, worker));
  if (options.signal?.aborted) throw aborted();

  const durationMs = clock.now() - startedAt;
  const usage = { input: 0, output: 0, cost: undefined as number | undefined };
  let successes = 0;
  let total = 0;
  for (const result of results) {
    if (result.error === undefined) successes++;
    total += result.score;
    sumUsage(result.traces, usage);
  }
  return {
    score: devset.length === 0 ? 0 : total / devset.length,
    results,
    stats: {
      total: devset.length,
      successes,
      failures: devset.length - successes,
      durationMs,
      throughput: durationMs > 0 ? (devset.length * 1000) / durationMs : undefined,
      usage: {
        inputTokens: usage.input,
        outputTokens: usage.output,
        totalTokens: usage.input + usage.output,
        ...(usage.cost === undefined ? {} : { cost: usage.cost }),
      },
    },
  };
}

/**
 * A metric that compares one output field with the label of the same name: exact after trimming
 * and, unless `caseSensitive`, lower-casing.
 *
 * @example
 * await evaluate(qa, devset, exactMatch('answer'));
 */
export function exactMatch(field: string, options: { caseSensitive?: boolean } = {}): Metric {
  if (typeof field !== 'string' || field === '')
    invalidArgument('exactMatch', 'field', 'must be a non-empty string', field);
  const normalize = (value: unknown) => {
    const text = (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).trim();
    return options.caseSensitive === true ? text : text.toLowerCase();
  };
  return (item, prediction) => normalize(prediction[field]) === normalize(item.labels[field]);
}
