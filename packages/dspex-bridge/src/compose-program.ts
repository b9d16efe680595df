import {
  type Clock,
  type Configuration,
  combineSpaces,
  type JsonValue,
  splitConfiguration,
  systemClock,
} from '@varplane/core';
import { z } from 'zod';
import { checkInputs, checkOutputs } from './internal/check-fields';
import { timeoutSchema } from './internal/deadline';
import {
  checkPartialConfiguration,
  invalidArgument,
  parseOptions,
  readable,
} from './internal/parse-options';
import {
  forwardContext,
  isRunnable,
  RUN,
  type RunContext,
  type RunnableProgram,
  rootContext,
} from './internal/run-context';
import { programAborted, runUserCode } from './internal/user-code';
import type { CallOptions, Program } from './program';
import { isSignature, signature as makeSignature, type Signature } from './signature';

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
  /**
   * Deadline of one `forward`, in ms (default 600 000): past it the call fails with
   * `CALLBACK_TIMEOUT` and `context.signal` is aborted, which stops the parts' model calls.
   */
  readonly timeoutMs?: number;
  /** Times the deadline (default the system clock). */
  readonly clock?: Clock;
}

/** Deadline of a composed program's `forward` when none is set: room for many model calls. */
const DEFAULT_FORWARD_TIMEOUT_MS = 600_000;

const PART_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const fn = (v: unknown) => typeof v === 'function';
const isProgram = (v: unknown) =>
  fn((v as AnyProgram | null)?.call) &&
  typeof (v as AnyProgram).variables === 'object' &&
  typeof (v as AnyProgram).configuration === 'object' &&
  Array.isArray((v as AnyProgram).predictors);
const optionsSchema = z.strictObject({
  name: z.string().min(1),
  signature: z.union([
    z.string(),
    z.custom<Signature>(isSignature, 'must be a Signature or its string form'),
  ]),
  // Checked entry by entry below, so a part named `__proto__` stays an ordinary part.
  programs: z.custom<object>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be an object of programs by name',
  ),
  forward: z.custom<(...args: unknown[]) => unknown>(fn, 'must be a function'),
  timeoutMs: timeoutSchema.optional(),
  clock: z
    .custom<Clock>(
      (v) => fn((v as Clock | null)?.setTimeout) && fn((v as Clock).clearTimeout),
      'must be a Clock',
    )
    .optional(),
});
const partSchema = z.custom<AnyProgram>(isProgram, 'must be a Program');

// The parts in a null-prototype record: own entries only, any name an ordinary name.
function partsOf(subject: string, programs: object): Record<string, AnyProgram> {
  let entries: [string, unknown][];
  try {
    entries = Object.entries(programs);
  } catch (cause) {
    return invalidArgument(
      subject,
      'programs',
      `could not be read (${readable(cause)})`,
      undefined,
    );
  }
  if (entries.length === 0)
    invalidArgument(subject, 'programs', 'must name at least one program', programs);
  const parts: Record<string, AnyProgram> = Object.create(null);
  for (const [part, program] of entries) {
    if (!PART_NAME.test(part))
      invalidArgument(
        subject,
        `programs.${part}`,
        'name must be an identifier (letters, digits, _ and -)',
        part,
      );
    parts[part] = parseOptions(
      partSchema,
      program,
      subject,
      'INVALID_ARGUMENT',
      `programs.${part}`,
    );
  }
  return parts;
}
function combinedConfiguration(parts: Readonly<Record<string, AnyProgram>>): Configuration {
  const out: Record<string, JsonValue> = {};
  for (const [part, program] of Object.entries(parts)) {
    for (const [id, value] of Object.entries(program.configuration)) out[`${part}.${id}`] = value;
  }
  return out;
}

interface Blueprint {
  readonly name: string;
  readonly forward: (...args: unknown[]) => unknown;
  readonly timeoutMs: number;
  readonly clock: Clock;
}

function build<I, O, P extends Readonly<Record<string, AnyProgram>>>(
  options: Blueprint,
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
    const output = await runUserCode(
      `${options.name}: forward`,
      {
        clock: options.clock,
        timeoutMs: options.timeoutMs,
        signal: context.options.signal,
        aborted: (reason) => programAborted(options.name, reason),
      },
      (signal) => {
        // The parts run under the forward's signal, so a deadline stops their model calls too.
        const inner: RunContext = { ...context, options: { ...context.options, signal } };
        const bound: Record<string, (inputs: unknown) => Promise<unknown>> = Object.create(null);
        for (const [part, program] of Object.entries(parts)) {
          const path = context.path === '' ? part : `${context.path}.${part}`;
          bound[part] = isRunnable(program)
            ? (partInputs) => program[RUN](partInputs, { ...inner, path })
            : (partInputs) => program.call(partInputs, inner.options as CallOptions);
        }
        return options.forward(checkedInputs, bound as BoundPrograms<P>, {
          ...forwardContext(context),
          signal,
        });
      },
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
      const given = checkPartialConfiguration(`${options.name} withConfig`, partial);
      const split = splitConfiguration(variables.validate({ ...configuration, ...given }));
      const next = Object.fromEntries(
        Object.entries(parts).map(([part, child]) => [
          part,
          child.withConfig((Object.hasOwn(split, part) ? split[part] : undefined) ?? {}),
        ]),
      ) as unknown as P;
      return build(options, sig, next);
    },
    async call(inputs, callOptions) {
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
  const parsed = parseOptions(optionsSchema, options, subject);
  const parts = partsOf(subject, parsed.programs);
  const sig = (
    typeof parsed.signature === 'string' ? makeSignature(parsed.signature) : parsed.signature
  ) as Signature<I, O>;
  return build(
    {
      name: parsed.name,
      forward: parsed.forward,
      timeoutMs: parsed.timeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS,
      clock: parsed.clock ?? systemClock,
    },
    sig,
    parts as unknown as P,
  );
}
