import type { JsonValue, TraceRecord } from '@varplane/core';
import { type Example, example } from './example';

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

/** The name of a predictor's demos variable in its program's space (`demos`, `answer.demos`). */
export function demosVariableId(predictorPath: string): string {
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
  const out: Example[] = [];
  for (const trace of traces) {
    if (
      trace.predictor !== predictorPath ||
      trace.output === undefined ||
      trace.error !== undefined
    )
      continue;
    if (!keep(trace)) continue;
    out.push(
      example(
        trace.input as Readonly<Record<string, JsonValue>>,
        trace.output as Readonly<Record<string, JsonValue>>,
      ),
    );
  }
  return out;
}
