import {
  type Clock,
  type Configuration,
  type MultiAgentSpace,
  type TraceRecord,
  updateResourcePool,
  VarplaneError,
} from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { type AnyBehaviour, type RunningSpace, startSpace } from '@varplane/runtime';
import { z } from 'zod';
import { inputError } from './errors';
import { guardInput } from './internal/guard';
import { parseOrThrow } from './internal/parse';
import type { TeamExample } from './team-example';
import type { TeamRunner, TeamRunResult } from './team-runner';

/** Where agents record their traces during runs; the runner takes each run's share by `runId`. */
export interface RunTraceSink {
  /** Keeps a trace (the shape `@varplane/dspex-bridge`'s `TraceSink` and `agentize` use). */
  record(trace: TraceRecord): void;
  /** Removes and returns the traces of one run, in the order they were recorded. */
  take(runId: string): TraceRecord[];
}

/**
 * A trace sink shared by a team's agents (pass it as `agentize`'s `trace` option): traces are
 * kept by their `runId`, so concurrent runs stay apart.
 */
export function createRunTraceSink(): RunTraceSink {
  const byRun = new Map<string, TraceRecord[]>();
  return {
    record(trace) {
      const runId = guardInput('RunTraceSink.record', 'trace', trace, () =>
        typeof trace === 'object' && trace !== null ? trace.runId : undefined,
      );
      if (typeof runId !== 'string') {
        throw inputError(
          'INVALID_ARGUMENT',
          'RunTraceSink.record',
          'trace.runId',
          'must be a string (a TraceRecord)',
          runId,
        );
      }
      const list = byRun.get(runId);
      if (list === undefined) byRun.set(runId, [trace]);
      else list.push(trace);
    },
    take(runId) {
      if (typeof runId !== 'string') {
        throw inputError(
          'INVALID_ARGUMENT',
          'RunTraceSink.take',
          'runId',
          'must be a string',
          runId,
        );
      }
      const list = byRun.get(runId) ?? [];
      byRun.delete(runId);
      return list;
    },
  };
}

/** What a {@link RuntimeTeamRunnerOptions.task} sees: the running team and the example. */
export interface RuntimeTaskContext {
  readonly running: RunningSpace;
  readonly example: TeamExample;
  /** The candidate's joint values, for tasks that route by them. */
  readonly configuration: Configuration;
  /** Pass it as the `runId` (and `rolloutId`) of the messages that make agents work. */
  readonly runId: string;
  /**
   * The run's seed: pass it as the `seed` of the messages that make agents work (`agentize`
   * sends it with every model request), so the same example on the same seed is answered the
   * same way by every candidate team, and team comparisons pair run by run.
   */
  readonly seed: number;
  readonly signal: AbortSignal;
}

/** Options of {@link createRuntimeTeamRunner}. */
export interface RuntimeTeamRunnerOptions {
  /** The behaviours the team's agents name, as `startSpace` takes them. */
  readonly behaviours: Readonly<Record<string, AnyBehaviour>>;
  /** Gives the running team one example and returns what it answered. */
  readonly task: (
    context: RuntimeTaskContext,
  ) => Promise<Readonly<Record<string, unknown>> | undefined>;
  /** The sink the agents record traces in; without it runs carry no traces. */
  readonly traces?: RunTraceSink;
  /** The runtime's clock (default the system clock). */
  readonly clock?: Clock;
  /** Longest a call to an agent may take, in ms (default 30,000). */
  readonly callTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  // Keyed by behaviour names: `__proto__` is an ordinary one.
  behaviours: idRecord(
    z.custom<AnyBehaviour>((value) => typeof value === 'object' && value !== null),
  ),
  task: z.custom<RuntimeTeamRunnerOptions['task']>(
    (value) => typeof value === 'function',
    'must be a function',
  ),
  traces: z
    .custom<RunTraceSink>(
      (value) => typeof (value as RunTraceSink | null)?.take === 'function',
      'must come from createRunTraceSink()',
    )
    .optional(),
  clock: z
    .custom<Clock>((value) => typeof (value as Clock | null)?.now === 'function', 'must be a Clock')
    .optional(),
  callTimeoutMs: z.number().positive().default(30_000),
});

/** How often a run's memory is sampled, in ms. */
const MEMORY_SAMPLE_MS = 5;

/** The process's heap and off-heap (buffers) memory in use, in bytes. */
function memoryInUse(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * Measures how far the process's memory grew above where it stood when the run started, at its
 * peak (sampled every few ms and at the end). Runs going at once share one process, so each
 * sees the others' growth too: evaluate at concurrency 1 for a figure of one team alone.
 */
function sampleMemory(): { stop(): number } {
  const start = memoryInUse();
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, memoryInUse() - start);
  };
  const timer = setInterval(sample, MEMORY_SAMPLE_MS);
  timer.unref?.();
  return {
    stop() {
      sample();
      clearInterval(timer);
      return peak;
    },
  };
}

/** An agent made to fail: it crashes on every call, so its supervisor restarts it in vain. */
function failing(behaviour: AnyBehaviour, faults: ReadonlySet<string>): AnyBehaviour {
  return {
    ...behaviour,
    handle(message, state, ctx) {
      if (ctx.isCall && faults.has(ctx.self.id)) {
        throw new VarplaneError({
          code: 'AGENT_FAULT_INJECTED',
          message: `agent ${ctx.self.id} was made to fail`,
        });
      }
      return behaviour.handle(message, state, ctx);
    },
  };
}

function behavioursFor(
  space: MultiAgentSpace,
  behaviours: Readonly<Record<string, AnyBehaviour>>,
  faults: readonly string[],
): Record<string, AnyBehaviour> {
  // Null-prototype copies: a behaviour named `__proto__` is set and read as an own key.
  const out: Record<string, AnyBehaviour> = Object.assign(Object.create(null), behaviours);
  if (faults.length === 0) return out;
  const failed = new Set(faults);
  for (const agentId of faults) {
    const name = Object.hasOwn(space.agents, agentId)
      ? space.agents[agentId]?.behaviour
      : undefined;
    const behaviour =
      name === undefined || !Object.hasOwn(behaviours, name) ? undefined : behaviours[name];
    if (name !== undefined && behaviour !== undefined) out[name] = failing(behaviour, failed);
  }
  return out;
}

/**
 * Runs candidate teams for real on `@varplane/runtime`: for each run it starts the candidate
 * space (`startSpace`, `startAgents`, `coordinateAgents`, so agent selections take effect), with
 * the run's token and cost limits as the space's pool (the runtime refuses spending past them),
 * makes the run's `faults` agents crash on every call, hands the example to `task`, and stops
 * the team. Traces come from the shared {@link RunTraceSink}; messages from the runtime's
 * counters of what agents sent one another; memory is measured (the process's growth during the
 * run, at its peak).
 *
 * @example
 * const traces = createRunTraceSink();
 * const agents = programs.map((program) => agentize(program, { agentId: program.name, lm, trace: traces }));
 * const runner = createRuntimeTeamRunner({
 *   behaviours: Object.fromEntries(agents.map((a) => [a.config.behaviour, a.behaviour])),
 *   traces,
 *   task: ({ running, example, runId, seed }) =>
 *     running.call('solver', { type: 'run', inputs: example.input, runId, rolloutId: runId, seed }),
 * });
 */
export function createRuntimeTeamRunner(options: RuntimeTeamRunnerOptions): TeamRunner {
  const parsed = parseOrThrow(optionsSchema, options, 'createRuntimeTeamRunner', 'options');
  return {
    async run(request) {
      let space = request.space;
      const pool: { tokens?: number; cost?: number } = {};
      if (request.limits.tokens !== undefined) pool.tokens = request.limits.tokens;
      if (request.limits.cost !== undefined) pool.cost = request.limits.cost;
      if (Object.keys(pool).length > 0) space = updateResourcePool(space, pool);
      const running = await startSpace(space, {
        behaviours: behavioursFor(space, parsed.behaviours, request.faults),
        statsIntervalMs: 0,
        callTimeoutMs: parsed.callTimeoutMs,
        ...(parsed.clock === undefined ? {} : { clock: parsed.clock }),
      });
      const before = running.system.resources.pool();
      const memory = sampleMemory();
      let output: Readonly<Record<string, unknown>> | undefined;
      let error: { code: string; message: string } | undefined;
      try {
        await running.startAgents();
        await running.coordinateAgents();
        output = await parsed.task({
          running,
          example: request.example,
          configuration: request.configuration,
          runId: request.runId,
          seed: request.seed,
          signal: request.signal,
        });
      } catch (thrown) {
        error = VarplaneError.isInstance(thrown)
          ? { code: thrown.code, message: thrown.message }
          : {
              code: 'TEAM_RUN_FAILED',
              message: thrown instanceof Error ? thrown.message : String(thrown),
            };
      }
      const after = running.system.resources.pool();
      // Only what agents sent one another: the task's own calls come from outside the team.
      const messages = running
        .stats()
        .reduce(
          (sum, stats) =>
            sum + Object.values(stats.sent ?? {}).reduce((total, count) => total + count, 0),
          0,
        );
      const memoryBytes = memory.stop();
      await running.stop();
      const traces = parsed.traces?.take(request.runId) ?? [];
      const traced = traces.reduce((sum, trace) => sum + (trace.usage?.totalTokens ?? 0), 0);
      const tokens = Math.max(traced, before.tokens - after.tokens);
      const cost = Math.max(0, before.cost - after.cost);
      const result: TeamRunResult = {
        output,
        traces,
        usage: {
          inputTokens: traces.reduce((sum, trace) => sum + (trace.usage?.inputTokens ?? 0), 0),
          outputTokens: traces.reduce((sum, trace) => sum + (trace.usage?.outputTokens ?? 0), 0),
          totalTokens: tokens,
          ...(cost > 0 ? { cost } : {}),
        },
        messages,
        memoryBytes,
        ...(error === undefined ? {} : { error }),
      };
      return result;
    },
  };
}
