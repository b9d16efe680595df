import { createVariableSpace } from '@varplane/core';
import type { ForwardContext } from './compose-program';
import { checkInputs, checkOutputs } from './internal/check-fields';
import { invalidArgument } from './internal/parse-options';
import {
  forwardContext,
  RUN,
  type RunContext,
  type RunnableProgram,
  rootContext,
} from './internal/run-context';
import type { Program } from './program';
import { signature as makeSignature, type Signature } from './signature';

/** Options of {@link functionProgram}. */
export interface FunctionProgramOptions<I, O> {
  readonly name: string;
  readonly signature: Signature<I, O> | string;
  /** The work: a retriever, a tool, a calculator. */
  readonly run: (inputs: I, context: ForwardContext) => Promise<O> | O;
}

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
  const subject = 'functionProgram';
  if (typeof options?.name !== 'string' || options.name === '')
    invalidArgument(subject, 'name', 'must be a non-empty string', options?.name);
  if (typeof options.run !== 'function')
    invalidArgument(subject, 'run', 'must be a function', options.run);
  const sig = (
    typeof options.signature === 'string' ? makeSignature(options.signature) : options.signature
  ) as Signature<I, O>;
  if (typeof sig !== 'object' || sig === null || sig.outputSchema === undefined) {
    invalidArgument(
      subject,
      'signature',
      'must be a Signature or its string form',
      options.signature,
    );
  }
  const variables = createVariableSpace([]);
  const configuration = variables.defaults();

  const run = async (inputs: I, context: RunContext): Promise<O> => {
    const checkedInputs = checkInputs<I>(options.name, sig, inputs);
    const output = await options.run(checkedInputs, forwardContext(context));
    return checkOutputs<O>(options.name, sig, output, 'run');
  };

  const program: RunnableProgram<I, O> = {
    kind: 'function',
    name: options.name,
    signature: sig,
    variables,
    configuration,
    predictors: Object.freeze([]),
    withConfig(partial) {
      variables.validate(partial);
      return program;
    },
    call(inputs, callOptions) {
      return run(inputs, rootContext(program as Program<unknown, unknown>, callOptions));
    },
    [RUN]: run,
  };
  return Object.freeze(program);
}
