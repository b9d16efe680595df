import type { JsonValue, LanguageModel } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import type { ForwardContext } from '../compose-program';
import { isLanguageModelRegistry, type LanguageModelRegistry } from '../language-model-registry';
import type { CallOptions, Program } from '../program';
import type { TraceSink } from '../trace';
import { parseOptions } from './parse-options';

/** Everything one call carries down through composed programs. */
export interface RunContext {
  readonly options: CallOptions;
  readonly runId: string;
  readonly agentId: string;
  /** Counts predictor calls in the run, for trace steps. */
  readonly steps: { value: number };
  /** The prefix of the current part (`''` at the top, `rag.` below `rag`). */
  readonly path: string;
}

/** Programs made here carry this: it runs the program inside a caller's run. */
export const RUN: unique symbol = Symbol('varplane.dspex.run');

/** A program made by this package, which can run inside a parent's run. */
export interface RunnableProgram<I = Record<string, unknown>, O = Record<string, unknown>>
  extends Program<I, O> {
  [RUN](inputs: I, context: RunContext): Promise<O>;
}

/** Whether a program can join a parent's run (every program this package makes can). */
export function isRunnable<I, O>(program: Program<I, O>): program is RunnableProgram<I, O> {
  return typeof (program as Partial<RunnableProgram<I, O>>)[RUN] === 'function';
}

const fn = (v: unknown) => typeof v === 'function';
const callOptionsSchema = z.strictObject({
  signal: z.instanceof(AbortSignal).optional(),
  trace: z
    .custom<TraceSink>((v) => fn((v as TraceSink | null)?.record), 'must be a TraceSink')
    .optional(),
  runId: z.string().min(1).optional(),
  agentId: z.string().min(1).optional(),
  rolloutId: z.string().optional(),
  seed: z.number().int().optional(),
  lm: z
    .custom<LanguageModel | LanguageModelRegistry>(
      (v) => fn((v as LanguageModel | null)?.generate) || isLanguageModelRegistry(v),
      'must be a LanguageModel or a LanguageModelRegistry',
    )
    .optional(),
  orchestration: idRecord(z.json()).optional(),
  onUsage: z.custom<NonNullable<CallOptions['onUsage']>>(fn, 'must be a function').optional(),
});

/** The context of a top-level call; its options are checked (and copied) here. */
export function rootContext(
  program: Program<unknown, unknown>,
  given: CallOptions = {},
): RunContext {
  const options = parseOptions(
    callOptionsSchema,
    given,
    `${program.name} call`,
    'INVALID_ARGUMENT',
    'options',
  ) as CallOptions;
  return {
    options,
    runId: options.runId ?? 'run',
    agentId: options.agentId ?? program.name,
    steps: { value: 0 },
    path: '',
  };
}

const NO_VALUES: Readonly<Record<string, JsonValue>> = Object.freeze({});

/** What plain code inside a run (`forward`, a function program's `run`) is told about it. */
export function forwardContext(context: RunContext): ForwardContext {
  return {
    signal: context.options.signal,
    agentId: context.agentId,
    runId: context.runId,
    orchestration: context.options.orchestration ?? NO_VALUES,
  };
}
