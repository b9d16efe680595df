import type { LanguageModelUsage, TraceRecord } from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import { type Observable, Subject } from 'rxjs';
import { z } from 'zod';
import { parseOptions } from './internal/parse';

/** One LM call as the run view shows it: the prompt, the reply, tokens, latency, error. */
export interface RunLogCall {
  readonly agent?: string;
  /**
   * The run the call was made in, when the caller knows it: the call then joins a turn of that run
   * only. Without it a call joins its agent's turn by time alone, which is ambiguous when the same
   * agent works in two runs at once (a team evaluated concurrently).
   */
  readonly runId?: string;
  readonly provider: string;
  readonly model: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** The request's messages, each cut to `maxTextChars`. */
  readonly prompt: readonly { readonly role: string; readonly content: string }[];
  readonly reply?: string;
  readonly toolCalls?: readonly { readonly name: string; readonly arguments: string }[];
  readonly finishReason?: string;
  readonly usage?: LanguageModelUsage;
  readonly error?: { readonly code: string; readonly message: string };
}

/** One agent turn of a run (a predictor call, as the bridge traces it), with its LM calls. */
export interface RunLogTurn {
  readonly agent: string;
  readonly step: number;
  /** The predictor's path in its program, when the trace says (`''` for a one-predictor program). */
  readonly predictor?: string;
  readonly modelId?: string;
  readonly attempts?: number;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly input: unknown;
  readonly output: unknown;
  readonly usage?: LanguageModelUsage;
  readonly error?: { readonly code: string; readonly message: string };
  readonly calls: readonly RunLogCall[];
}

/** A run of one task across the team: its agent turns in order. */
export interface RunLogRun {
  readonly runId: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly agents: readonly string[];
  readonly turns: readonly RunLogTurn[];
  readonly tokens: number;
  readonly cost: number;
  /** Turns and calls that failed. */
  readonly errors: number;
}

/** A run without its turns: what the list of runs shows. */
export type RunLogSummary = Omit<RunLogRun, 'turns'> & {
  readonly turns: number;
  readonly calls: number;
};

/**
 * The runs of a team, task by task: each agent turn the bridge traces (`record`, a trace sink for
 * `agentize`, `evaluate` and programs) and each LM call an instrumented model makes (`recordCall`,
 * its `calls` option). A call belongs to the turn of its agent whose time span holds it; calls
 * whose turn has not arrived yet wait for it (a trace is recorded when its turn ends); a call that
 * names its run joins a turn of that run only. Bounded:
 * the newest `maxRuns` runs, texts cut to `maxTextChars`, at most `maxPendingCalls` waiting calls.
 */
export interface RunLog {
  /** A turn's trace (structurally the bridge's `ProgramTrace`, or core's `TraceRecord`). */
  record(trace: RunLogTrace): void;
  /** An LM call, as `instrumentLanguageModel` reports it. */
  recordCall(call: RunLogCall): void;
  /** The runs, newest first, without their turns. */
  runs(): RunLogSummary[];
  run(runId: string): RunLogRun | undefined;
  /** Counts up on every change, so a page knows when to ask again. */
  readonly version: number;
  /** The version after each change. */
  readonly changes$: Observable<number>;
  /** Calls to agents (or none) that no traced turn has claimed yet. */
  pendingCalls(): readonly RunLogCall[];
}

/** What `record` takes: core's {@link TraceRecord} plus the bridge's extra fields. */
export type RunLogTrace = TraceRecord & {
  readonly predictor?: string;
  readonly modelId?: string;
  readonly attempts?: number;
};

const optionsSchema = z
  .object({
    maxRuns: z.number().int().min(1).max(100_000).default(200),
    maxTextChars: z.number().int().min(16).max(1_000_000).default(4_000),
    maxPendingCalls: z.number().int().min(0).max(100_000).default(1_000),
  })
  .strict();

export type RunLogOptions = z.input<typeof optionsSchema>;

const time = z.number().finite();
const usageSchema = z
  .object({
    inputTokens: z.number().finite().nonnegative(),
    outputTokens: z.number().finite().nonnegative(),
    totalTokens: z.number().finite().nonnegative(),
    cost: z.number().finite().nonnegative().optional(),
    estimated: z.boolean().optional(),
  })
  .passthrough();
const errorSchema = z.object({ code: z.string(), message: z.string() }).passthrough();
const traceSchema = z
  .object({
    agentId: z.string().min(1),
    runId: z.string().min(1),
    step: z.number().int().nonnegative(),
    input: z.record(z.string(), z.unknown()),
    output: z.record(z.string(), z.unknown()).optional(),
    configuration: z.record(z.string(), z.unknown()).optional(),
    startedAt: time,
    endedAt: time,
    usage: usageSchema.optional(),
    error: errorSchema.optional(),
    predictor: z.string().optional(),
    modelId: z.string().optional(),
    attempts: z.number().int().nonnegative().optional(),
  })
  .passthrough()
  .refine((t) => t.endedAt >= t.startedAt, {
    message: 'endedAt must not be before startedAt',
    path: ['endedAt'],
  });
const callSchema = z
  .object({
    agent: z.string().min(1).optional(),
    runId: z.string().min(1).optional(),
    provider: z.string(),
    model: z.string(),
    startedAt: time,
    endedAt: time,
    prompt: z.array(z.object({ role: z.string(), content: z.string() }).passthrough()),
    reply: z.string().optional(),
    toolCalls: z
      .array(z.object({ name: z.string(), arguments: z.string() }).passthrough())
      .optional(),
    finishReason: z.string().optional(),
    usage: usageSchema.optional(),
    error: errorSchema.optional(),
  })
  .passthrough();

const cut = (text: string, max: number) =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;

// Plain JSON for the page, cut to size: a trace's input and output may hold anything.
function plain(value: unknown, max: number): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    return `(not JSON: ${toErrorInfo(error).message})`;
  }
  if (json === undefined) return null;
  return json.length <= max ? JSON.parse(json) : cut(json, max);
}

interface MutableRun {
  runId: string;
  startedAt: number;
  endedAt: number;
  agents: Set<string>;
  turns: RunLogTurn[];
  tokens: number;
  cost: number;
  errors: number;
}

/**
 * Collects the team's runs for the dashboard's run view.
 *
 * @example
 * const runLog = createRunLog();
 * const lm = instrumentLanguageModel(model, { monitor, calls: runLog });
 * const agent = agentize(program, { trace: runLog });
 * await createDashboard(monitor, { runLog });
 */
export function createRunLog(options: RunLogOptions = {}): RunLog {
  const { maxRuns, maxTextChars, maxPendingCalls } = parseOptions(
    optionsSchema,
    options,
    'createRunLog',
  );
  // Insertion order is age: the first entry is the oldest run.
  const runs = new Map<string, MutableRun>();
  let pending: RunLogCall[] = [];
  let version = 0;
  const changes$ = new Subject<number>();
  const bump = () => {
    version += 1;
    changes$.next(version);
  };

  const trimCall = (call: RunLogCall): RunLogCall => ({
    ...(call.agent === undefined ? {} : { agent: call.agent }),
    ...(call.runId === undefined ? {} : { runId: call.runId }),
    provider: call.provider,
    model: call.model,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    prompt: call.prompt.map((m) => ({ role: m.role, content: cut(m.content, maxTextChars) })),
    ...(call.reply === undefined ? {} : { reply: cut(call.reply, maxTextChars) }),
    ...(call.toolCalls === undefined
      ? {}
      : {
          toolCalls: call.toolCalls.map((t) => ({
            name: t.name,
            arguments: cut(t.arguments, maxTextChars),
          })),
        }),
    ...(call.finishReason === undefined ? {} : { finishReason: call.finishReason }),
    ...(call.usage === undefined ? {} : { usage: call.usage }),
    ...(call.error === undefined
      ? {}
      : { error: { code: call.error.code, message: cut(call.error.message, maxTextChars) } }),
  });

  return {
    record(trace) {
      const t = parseOptions(traceSchema, trace, 'runLog.record') as RunLogTrace;
      // The turn's calls: its agent's (of its run, when a call names one), inside its time span.
      const mine: RunLogCall[] = [];
      const rest: RunLogCall[] = [];
      for (const call of pending) {
        const inside =
          call.agent === t.agentId &&
          (call.runId === undefined || call.runId === t.runId) &&
          call.startedAt >= t.startedAt &&
          call.endedAt <= t.endedAt;
        (inside ? mine : rest).push(call);
      }
      pending = rest;
      const turn: RunLogTurn = {
        agent: t.agentId,
        step: t.step,
        ...(t.predictor === undefined ? {} : { predictor: t.predictor }),
        ...(t.modelId === undefined ? {} : { modelId: t.modelId }),
        ...(t.attempts === undefined ? {} : { attempts: t.attempts }),
        startedAt: t.startedAt,
        endedAt: t.endedAt,
        input: plain(t.input, maxTextChars),
        output: t.output === undefined ? null : plain(t.output, maxTextChars),
        ...(t.usage === undefined ? {} : { usage: t.usage }),
        ...(t.error === undefined
          ? {}
          : { error: { code: t.error.code, message: cut(t.error.message, maxTextChars) } }),
        calls: mine,
      };
      let run = runs.get(t.runId);
      if (run === undefined) {
        run = {
          runId: t.runId,
          startedAt: t.startedAt,
          endedAt: t.endedAt,
          agents: new Set(),
          turns: [],
          tokens: 0,
          cost: 0,
          errors: 0,
        };
        runs.set(t.runId, run);
        if (runs.size > maxRuns) runs.delete(runs.keys().next().value as string);
      }
      run.turns.push(turn);
      run.turns.sort((a, b) => a.startedAt - b.startedAt || a.step - b.step);
      run.agents.add(t.agentId);
      run.startedAt = Math.min(run.startedAt, t.startedAt);
      run.endedAt = Math.max(run.endedAt, t.endedAt);
      run.tokens +=
        t.usage?.totalTokens ?? mine.reduce((s, c) => s + (c.usage?.totalTokens ?? 0), 0);
      run.cost += t.usage?.cost ?? mine.reduce((s, c) => s + (c.usage?.cost ?? 0), 0);
      // A turn that failed with its call is one failure; failed attempts before a success count.
      const failedCalls = mine.filter((c) => c.error !== undefined).length;
      run.errors += t.error === undefined ? failedCalls : Math.max(1, failedCalls);
      bump();
    },
    recordCall(call) {
      const parsed = parseOptions(callSchema, call, 'runLog.recordCall') as RunLogCall;
      if (maxPendingCalls === 0) return;
      pending.push(trimCall(parsed));
      if (pending.length > maxPendingCalls) pending.splice(0, pending.length - maxPendingCalls);
      bump();
    },
    runs: () =>
      [...runs.values()].reverse().map((r) => ({
        runId: r.runId,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        agents: [...r.agents],
        turns: r.turns.length,
        calls: r.turns.reduce((sum, t) => sum + t.calls.length, 0),
        tokens: r.tokens,
        cost: r.cost,
        errors: r.errors,
      })),
    run(runId) {
      if (typeof runId !== 'string') return undefined;
      const r = runs.get(runId);
      if (r === undefined) return undefined;
      return { ...r, agents: [...r.agents], turns: [...r.turns] };
    },
    get version() {
      return version;
    },
    changes$: changes$.asObservable(),
    pendingCalls: () => pending.slice(),
  };
}
