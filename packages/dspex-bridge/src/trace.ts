import { type JsonValue, type TraceRecord, VarplaneError } from '@varplane/core';
import { z } from 'zod';
import { type Example, example } from './example';
import { invalidArgument, parseList, readable } from './internal/parse-options';
import type { ToolCallRecord } from './internal/tool-runner';

/**
 * The trace of one predictor call: core's {@link TraceRecord} (agent, run, step, inputs, outputs,
 * configuration, times, usage, error) plus where in the program the predictor sits, the model that
 * answered and how many attempts it took.
 */
export interface ProgramTrace extends TraceRecord {
  /**
   * The predictor's path: `''` for a program that is one predictor, `answer` for a part of a
   * composed program, `rag.answer` deeper down. Its variables carry the same prefix
   * (`answer.demos`).
   */
  readonly predictor: string;
  readonly modelId: string;
  /** Model calls made, re-asks after unreadable replies included. */
  readonly attempts: number;
  /**
   * The tools a step of a tool loop called, with what each returned or why it failed. A step
   * that called tools has no `output`; the step that answered has.
   */
  readonly toolCalls?: readonly ToolCallRecord[];
}

/** Where programs put their traces. */
export interface TraceSink {
  record(trace: ProgramTrace): void;
}

/** A trace sink that keeps every trace, in order. */
export interface TraceCollector extends TraceSink {
  traces(): readonly ProgramTrace[];
  /** The traces of one predictor path. */
  forPredictor(path: string): readonly ProgramTrace[];
  clear(): void;
}

/**
 * Collects traces in memory.
 *
 * @example
 * const traces = createTraceCollector();
 * await program.call({ question: 'What is 2 + 3?' }, { trace: traces, runId: 'r1' });
 * traces.forPredictor('answer'); // [{ step: 1, input: {...}, output: {...}, usage: {...}, ... }]
 */
export function createTraceCollector(): TraceCollector {
  let all: ProgramTrace[] = [];
  return {
    record(trace) {
      all.push(trace);
    },
    traces: () => all.slice(),
    forPredictor: (path) => all.filter((trace) => trace.predictor === path),
    clear() {
      all = [];
    },
  };
}

// What demosFromTraces reads of a trace; the rest passes through untouched.
const traceShape = z.looseObject({
  predictor: z.string(),
  input: z.record(z.string(), z.unknown()),
  output: z.record(z.string(), z.unknown()).optional(),
  error: z.unknown().optional(),
});

/** The name of a predictor's demos variable in its program's space (`demos`, `answer.demos`). */
export function demosVariableId(predictorPath: string): string {
  if (typeof predictorPath !== 'string')
    invalidArgument('demosVariableId', 'predictorPath', 'must be a string', predictorPath);
  return predictorPath === '' ? 'demos' : `${predictorPath}.demos`;
}

/**
 * Turns successful traces of one predictor into demos (examples of its inputs and outputs), the
 * way bootstrapping optimizers do. `keep` picks traces, for example those of runs a metric passed.
 *
 * @example
 * const good = demosFromTraces(traces.traces(), 'answer', (t) => passedRuns.has(t.runId));
 * program.withConfig({ 'answer.demos': good.slice(0, 4) });
 */
export function demosFromTraces(
  traces: readonly ProgramTrace[],
  predictorPath: string,
  keep: (trace: ProgramTrace) => boolean = () => true,
): Example[] {
  const subject = 'demosFromTraces';
  const checked = parseList(traceShape, traces, subject, 'INVALID_ARGUMENT', 'traces');
  if (typeof predictorPath !== 'string')
    invalidArgument(subject, 'predictorPath', 'must be a string', predictorPath);
  if (typeof keep !== 'function') invalidArgument(subject, 'keep', 'must be a function', keep);
  const out: Example[] = [];
  for (const [i, trace] of (checked as unknown as ProgramTrace[]).entries()) {
    if (
      trace.predictor !== predictorPath ||
      trace.output === undefined ||
      trace.error !== undefined
    )
      continue;
    let kept: unknown;
    try {
      kept = keep(trace);
    } catch (cause) {
      if (VarplaneError.isInstance(cause)) throw cause;
      throw new VarplaneError({
        code: 'CALLBACK_FAILED',
        message: `${subject}: keep threw on traces[${i}]: ${readable(cause)}`,
        cause,
      });
    }
    if (typeof kept !== 'boolean') {
      throw new VarplaneError({
        code: 'CALLBACK_FAILED',
        message: `${subject}: keep must return a boolean (got ${readable(kept)} for traces[${i}])`,
      });
    }
    if (!kept) continue;
    out.push(
      example(
        trace.input as Readonly<Record<string, JsonValue>>,
        trace.output as Readonly<Record<string, JsonValue>>,
      ),
    );
  }
  return out;
}
