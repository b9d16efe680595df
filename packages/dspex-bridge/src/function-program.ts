import { type Clock, createVariableSpace, systemClock } from '@varplane/core';
import { z } from 'zod';
import type { ForwardContext } from './compose-program';
import { checkInputs, checkOutputs } from './internal/check-fields';
import { timeoutSchema } from './internal/deadline';
import { checkPartialConfiguration, parseOptions } from './internal/parse-options';
import {
  forwardContext,
  RUN,
  type RunContext,
  type RunnableProgram,
  rootContext,
} from './internal/run-context';
import { programAborted, runUserCode } from './internal/user-code';
import type { Program } from './program';
import { isSignature, signature as makeSignature, type Signature } from './signature';

/** Options of {@link functionProgram}. */
export interface FunctionProgramOptions<I, O> {
  readonly name: string;
  readonly signature: Signature<I, O> | string;
  /** The work: a retriever, a tool, a calculator. */
  readonly run: (inputs: I, context: ForwardContext) => Promise<O> | O;
  /**
   * Deadline of one `run`, in ms (default 60 000): past it the call fails with
   * `CALLBACK_TIMEOUT` and `context.signal` is aborted.
   */
  readonly timeoutMs?: number;
  /** Times the deadline (default the system clock). */
  readonly clock?: Clock;
}

/** Deadline of a function program's `run` when none is set. */
const DEFAULT_RUN_TIMEOUT_MS = 60_000;

const fn = (v: unknown) => typeof v === 'function';
const optionsSchema = z.strictObject({
  name: z.string().min(1),
  signature: z.union([
    z.string(),
    z.custom<Signature>(isSignature, 'must be a Signature or its string form'),
  ]),
  run: z.custom<(inputs: unknown, context: ForwardContext) => unknown>(fn, 'must be a function'),
  timeoutMs: timeoutSchema.optional(),
  clock: z
    .custom<Clock>(
      (v) => fn((v as Clock | null)?.setTimeout) && fn((v as Clock).clearTimeout),
      'must be a Clock',
    )
    .optional(),
});

/**
 * A program that is plain code, not a model call: a retriever, a tool, a checker. It has a
 * signature (inputs and outputs are validated) and no variables, so it composes with predictors
 * and becomes an agent like them.
 *
 * @example
 * const search = functionProgram({
 *   name: 'search',
 *   signature: 'query -> passages: string[]',
 *   run: ({ query }) => ({ passages: index.lookup(query as string) }),
 * });
 */
export function functionProgram<I, O>(
  options: FunctionProgramOptions<I, O> & { readonly signature: Signature<I, O> },
): Program<I, O>;
export function functionProgram(
  options: FunctionProgramOptions<Record<string, unknown>, Record<string, unknown>> & {
    readonly signature: string;
  },
): Program;
export function functionProgram<I, O>(options: FunctionProgramOptions<I, O>): Program<I, O> {
  const parsed = parseOptions(optionsSchema, options, 'functionProgram');
  const name = parsed.name;
  const sig = (
    typeof parsed.signature === 'string' ? makeSignature(parsed.signature) : parsed.signature
  ) as Signature<I, O>;
  const userRun = parsed.run as FunctionProgramOptions<I, O>['run'];
  const clock = parsed.clock ?? systemClock;
  const timeoutMs = parsed.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const variables = createVariableSpace([]);
  const configuration = variables.defaults();

  const run = async (inputs: I, context: RunContext): Promise<O> => {
    const checkedInputs = checkInputs<I>(name, sig, inputs);
    const output = await runUserCode(
      `${name}: run`,
      {
        clock,
        timeoutMs,
        signal: context.options.signal,
        aborted: (reason) => programAborted(name, reason),
      },
      (signal) => userRun(checkedInputs, { ...forwardContext(context), signal }),
    );
    return checkOutputs<O>(name, sig, output, 'run');
  };

  const program: RunnableProgram<I, O> = {
    kind: 'function',
    name,
    signature: sig,
    variables,
    configuration,
    predictors: Object.freeze([]),
    withConfig(partial) {
      variables.validate(checkPartialConfiguration(`${name} withConfig`, partial));
      return program;
    },
    async call(inputs, callOptions) {
      return run(inputs, rootContext(program as Program<unknown, unknown>, callOptions));
    },
    [RUN]: run,
  };
  return Object.freeze(program);
}
