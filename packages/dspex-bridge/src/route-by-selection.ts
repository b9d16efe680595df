import { type JsonValue, OrchestrationError } from '@varplane/core';
import { z } from 'zod';
import { composeProgram } from './compose-program';
import { enableOrchestration, type OrchestratedProgram } from './enable-orchestration';
import { invalidArgument, parseOptions, readable } from './internal/parse-options';
import type { Program } from './program';
import { isSignature, type Signature } from './signature';

// biome-ignore lint/suspicious/noExplicitAny: programs of any input and output type
type AnyProgram = Program<any, any>;

/** Options of {@link routeBySelection}. */
export interface RouteBySelectionOptions<I, O> {
  /** Default `route_${variable}`. */
  readonly name?: string;
  /** The orchestration variable whose value selects: an `agentSelection` list, or one id. */
  readonly variable: string;
  /** The candidates, by the ids the variable selects. */
  readonly programs: Readonly<Record<string, Program<I, O>>>;
  /** Default: the first candidate's signature. */
  readonly signature?: Signature<I, O>;
  /** Used while the variable has no value (default: the first candidate). */
  readonly fallback?: string;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  variable: z.string().min(1),
  // The programs themselves are checked by composeProgram, which keeps `__proto__` an ordinary name.
  programs: z.custom<object>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'must be an object of programs by id',
  ),
  signature: z.custom<Signature>(isSignature, 'must be a Signature').optional(),
  fallback: z.string().min(1).optional(),
});

// The first candidate's signature; composeProgram then checks every candidate.
function signatureOf(program: AnyProgram, id: string): unknown {
  try {
    return program?.signature;
  } catch (cause) {
    return invalidArgument(
      'routeBySelection',
      `programs.${id}`,
      `could not be read (${readable(cause)})`,
      undefined,
    );
  }
}

function selected(value: JsonValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((id): id is string => typeof id === 'string');
  return [];
}

/**
 * A program that hands each call to the candidate an orchestration variable selects: the first id
 * of an `agentSelection` value (or a choice's single id) that names a candidate. This is how an
 * `agentSelection` variable picks which coder answers. It follows the variable (see
 * {@link enableOrchestration}); its variables are every candidate's, under the candidate's id.
 *
 * @example
 * const coder = routeBySelection({
 *   variable: 'coder_selection',
 *   programs: { python_coder: pythonCoder, rust_coder: rustCoder },
 * });
 * await coder.call({ task }, { orchestration: { coder_selection: ['rust_coder'] } });
 */
export function routeBySelection<I, O>(
  options: RouteBySelectionOptions<I, O>,
): OrchestratedProgram<I, O> {
  const subject = 'routeBySelection';
  const parsed = parseOptions(optionsSchema, options, subject);
  let ids: string[];
  try {
    ids = Object.keys(parsed.programs);
  } catch (cause) {
    return invalidArgument(
      subject,
      'programs',
      `could not be read (${readable(cause)})`,
      undefined,
    );
  }
  if (ids.length === 0)
    invalidArgument(subject, 'programs', 'must name at least one program', parsed.programs);
  const first = (parsed.programs as Record<string, AnyProgram>)[ids[0] as string] as AnyProgram;
  const fallback = parsed.fallback ?? (ids[0] as string);
  if (!ids.includes(fallback))
    invalidArgument(subject, 'fallback', `must be one of ${ids.join(', ')}`, fallback);
  const variable = parsed.variable;
  const router = composeProgram({
    name: parsed.name ?? `route_${variable}`,
    signature: (parsed.signature ?? signatureOf(first, ids[0] as string)) as Signature<I, O>,
    programs: parsed.programs as Readonly<Record<string, AnyProgram>>,
    forward: (inputs, programs, context) => {
      const value = Object.hasOwn(context.orchestration, variable)
        ? context.orchestration[variable]
        : undefined;
      const choices = value === undefined ? [fallback] : selected(value);
      const chosen = choices.find((id) => ids.includes(id));
      if (chosen === undefined) {
        throw new OrchestrationError({
          code: 'ORCHESTRATION_NO_SELECTION',
          variableId: variable,
          message: `${subject}: ${variable} selects ${JSON.stringify(value)}, none of the candidates ${ids.join(', ')}`,
        });
      }
      return (programs[chosen] as (inputs: I) => Promise<O>)(inputs);
    },
  });
  return enableOrchestration(router as Program<I, O>, [variable]);
}
