import {
  type Configuration,
  combineSpaces,
  type JsonValue,
  splitConfiguration,
} from '@varplane/core';
import { checkInputs, checkOutputs } from './internal/check-fields';
import { invalidArgument } from './internal/parse-options';
import {
  forwardContext,
  isRunnable,
  RUN,
  type RunContext,
  type RunnableProgram,
  rootContext,
} from './internal/run-context';
import type { CallOptions, Program } from './program';
import { signature as makeSignature, type Signature } from './signature';

// biome-ignore lint/suspicious/noExplicitAny: a program of any input and output type
type AnyProgram = Program<any, any>;

/** What a program takes. */
export type ProgramInput<P> = P extends Program<infer I, unknown> ? I : never;
/** What a program gives back. */
export type ProgramOutput<P> = P extends Program<infer _I, infer O> ? O : never;

/** The parts of a composed program, callable inside its run (their traces join the run's). */
export type BoundPrograms<P extends Readonly<Record<string, AnyProgram>>> = {
  readonly [K in keyof P]: (inputs: ProgramInput<P[K]>) => Promise<ProgramOutput<P[K]>>;
};

/** What a composed program's `forward` sees of its call besides the inputs. */
export interface ForwardContext {
  readonly signal: AbortSignal | undefined;
  readonly agentId: string;
  readonly runId: string;
  /** Values of the orchestration variables the program follows (empty when there are none). */
  readonly orchestration: Readonly<Record<string, JsonValue>>;
}

/** Options of {@link composeProgram}. */
export interface ComposeProgramOptions<I, O, P extends Readonly<Record<string, AnyProgram>>> {
  readonly name: string;
  /** What the whole program takes and gives; checked before and after `forward`. */
  readonly signature: Signature<I, O> | string;
  /** The parts, by name; their variables appear under that name (`answer.temperature`). */
  readonly programs: P;
  /** Runs the parts. */
  readonly forward: (
    inputs: I,
    programs: BoundPrograms<P>,
    context: ForwardContext,
  ) => Promise<O> | O;
}

const PART_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
function combinedConfiguration(parts: Readonly<Record<string, AnyProgram>>): Configuration {
  const out: Record<string, JsonValue> = {};
  for (const [part, program] of Object.entries(parts)) {
    for (const [id, value] of Object.entries(program.configuration)) out[`${part}.${id}`] = value;
  }
  return out;
}

function build<I, O, P extends Readonly<Record<string, AnyProgram>>>(
  options: ComposeProgramOptions<I, O, P>,
  sig: Signature<I, O>,
  parts: P,
): RunnableProgram<I, O> {
  const variables = combineSpaces(
    Object.fromEntries(Object.entries(parts).map(([part, program]) => [part, program.variables])),
  );
  const configuration = variables.validate(combinedConfiguration(parts));
  const predictors = Object.freeze(
    Object.entries(parts).flatMap(([part, program]) =>
      program.predictors.map((path) => (path === '' ? part : `${part}.${path}`)),
    ),
  );

  const run = async (inputs: I, context: RunContext): Promise<O> => {
    const checkedInputs = checkInputs<I>(options.name, sig, inputs);
    const bound: Record<string, (inputs: unknown) => Promise<unknown>> = {};
    for (const [part, program] of Object.entries(parts)) {
      const path = context.path === '' ? part : `${context.path}.${part}`;
      bound[part] = isRunnable(program)
        ? (partInputs) => program[RUN](partInputs, { ...context, path })
        : (partInputs) => program.call(partInputs, context.options as CallOptions);
    }
    const output = await options.forward(
      checkedInputs,
      bound as BoundPrograms<P>,
      forwardContext(context),
    );
    return checkOutputs<O>(options.name, sig, output, 'forward');
  };

  const program: RunnableProgram<I, O> = {
    kind: 'composite',
    name: options.name,
    signature: sig,
    variables,
    configuration,
    predictors,
    withConfig(partial) {
      if (typeof partial !== 'object' || partial === null) {
        invalidArgument(
          `${options.name} withConfig`,
          '',
          'must be an object of variable values',
          partial,
        );
      }
      const split = splitConfiguration(variables.validate({ ...configuration, ...partial }));
      const next = Object.fromEntries(
        Object.entries(parts).map(([part, child]) => [part, child.withConfig(split[part] ?? {})]),
      ) as unknown as P;
      return build(options, sig, next);
    },
    call(inputs, callOptions) {
      return run(inputs, rootContext(program as Program<unknown, unknown>, callOptions));
    },
    [RUN]: run,
  };
  return Object.freeze(program);
}

/**
 * A program made of other programs, DSPy's composed module: `forward` calls the parts, which share
 * the call's signal, model override, traces and run. The program's variables are its parts'
 * variables under the part's name (`retrieve.temperature`, `answer.demos`), and `withConfig`
 * hands each part its share.
 *
 * @example
 * const rag = composeProgram({
 *   name: 'rag',
 *   signature: 'question -> answer',
 *   programs: {
 *     query: predict('question -> query', { lm }),
 *     answer: chainOfThought('question, context: string[] -> answer', { lm }),
 *   },
 *   forward: async ({ question }, { query, answer }) => {
 *     const { query: q } = await query({ question });
 *     return answer({ question, context: search(q) });
 *   },
 * });
 */
export function composeProgram<I, O, P extends Readonly<Record<string, AnyProgram>>>(
  options: ComposeProgramOptions<I, O, P> & { readonly signature: Signature<I, O> },
): Program<I, O>;
export function composeProgram<P extends Readonly<Record<string, AnyProgram>>>(
  options: ComposeProgramOptions<Record<string, unknown>, Record<string, unknown>, P> & {
    readonly signature: string;
  },
): Program;
export function composeProgram<I, O, P extends Readonly<Record<string, AnyProgram>>>(
  options: ComposeProgramOptions<I, O, P>,
): Program<I, O> {
  const subject = 'composeProgram';
  if (typeof options !== 'object' || options === null)
    invalidArgument(subject, '', 'must be an options object', options);
  if (typeof options.name !== 'string' || options.name === '')
    invalidArgument(subject, 'name', 'must be a non-empty string', options.name);
  if (typeof options.forward !== 'function')
    invalidArgument(subject, 'forward', 'must be a function', options.forward);
  if (
    typeof options.programs !== 'object' ||
    options.programs === null ||
    Object.keys(options.programs).length === 0
  ) {
    invalidArgument(subject, 'programs', 'must name at least one program', options.programs);
  }
  for (const [part, program] of Object.entries(options.programs)) {
    if (!PART_NAME.test(part))
      invalidArgument(
        subject,
        `programs.${part}`,
        'name must be an identifier (letters, digits, _ and -)',
        part,
      );
    if (
      typeof (program as AnyProgram | null)?.call !== 'function' ||
      (program as AnyProgram).variables === undefined
    ) {
      invalidArgument(subject, `programs.${part}`, 'must be a Program', program);
    }
  }
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
  return build(options, sig, options.programs);
}
