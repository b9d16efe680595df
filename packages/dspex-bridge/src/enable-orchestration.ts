import { type JsonValue, VarplaneError } from '@varplane/core';
import { describeValue, idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { callBack } from './internal/callback';
import { invalidArgument, parseOptions } from './internal/parse-options';
import {
  isRunnable,
  RUN,
  type RunContext,
  type RunnableProgram,
  rootContext,
} from './internal/run-context';
import type { CallOptions, Program } from './program';

/** A program that follows the values of some orchestration variables. */
export interface OrchestratedProgram<I = Record<string, unknown>, O = Record<string, unknown>>
  extends Program<I, O> {
  /** The orchestration variables it follows, by id. */
  readonly followedVariables: readonly string[];
  /** The values it follows when a call brings none (set by the bridge as the space changes). */
  readonly orchestration: Readonly<Record<string, JsonValue>>;
  /** A copy that follows these values; the original is unchanged. */
  withOrchestration(values: Readonly<Record<string, JsonValue>>): OrchestratedProgram<I, O>;
  withConfig(configuration: Readonly<Record<string, unknown>>): OrchestratedProgram<I, O>;
}

/** Options of {@link enableOrchestration}. */
export interface EnableOrchestrationOptions<I, O> {
  /**
   * Reconfigures the program for the current values before each call: a temperature from an
   * adaptation rate, a model from a resource plan. Without it the values only reach the
   * program's `forward` (as `context.orchestration`), as a router needs.
   */
  readonly apply?: (
    program: Program<I, O>,
    values: Readonly<Record<string, JsonValue>>,
  ) => Program<I, O>;
}

const programSchema = z.custom<Program<unknown, unknown>>(
  (v) =>
    typeof (v as Program | null)?.call === 'function' &&
    typeof (v as Program).withConfig === 'function' &&
    typeof (v as Program).variables === 'object',
  'must be a Program',
);
const idsSchema = z.array(z.string().min(1)).min(1, 'must name at least one variable');
const optionsSchema = z.strictObject({
  apply: z
    .custom<(...args: unknown[]) => unknown>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

/** Whether a program follows orchestration variables. */
export function isOrchestrated<I, O>(program: Program<I, O>): program is OrchestratedProgram<I, O> {
  try {
    return (
      typeof program === 'object' &&
      program !== null &&
      Array.isArray((program as Partial<OrchestratedProgram<I, O>>).followedVariables)
    );
  } catch {
    // A Proxy whose traps throw follows nothing.
    return false;
  }
}

// Ids such as `constructor` are ordinary ids: only own entries count.
function own(record: Readonly<Record<string, JsonValue>> | undefined, id: string) {
  return record !== undefined && Object.hasOwn(record, id) ? record[id] : undefined;
}

// Keyed by orchestration variable ids, which may be `__proto__`.
const valuesSchema = idRecord(z.json());

function isProgramValue(value: unknown): boolean {
  try {
    return (
      typeof value === 'object' && value !== null && typeof (value as Program).call === 'function'
    );
  } catch {
    return false;
  }
}

function build<I, O>(
  program: Program<I, O>,
  followed: readonly string[],
  bound: Readonly<Record<string, JsonValue>>,
  options: EnableOrchestrationOptions<I, O>,
): OrchestratedProgram<I, O> {
  const valuesFor = (given: CallOptions['orchestration']): Record<string, JsonValue> => {
    // Null-prototype: assigning a variable id `__proto__` adds a key like any other.
    const values: Record<string, JsonValue> = Object.create(null);
    for (const id of followed) {
      const value = own(given, id) ?? own(bound, id);
      if (value !== undefined) values[id] = value;
    }
    return values;
  };
  const run = (inputs: I, context: RunContext): Promise<O> => {
    const values = valuesFor(context.options.orchestration);
    const apply = options.apply;
    const target =
      apply === undefined ? program : callBack(program.name, 'apply', () => apply(program, values));
    if (target !== program && !isProgramValue(target)) {
      throw new VarplaneError({
        code: 'CALLBACK_FAILED',
        message: `${program.name}: apply must return a Program (got ${describeValue(target)})`,
      });
    }
    const callOptions: CallOptions = {
      ...context.options,
      orchestration: { ...context.options.orchestration, ...values },
    };
    if (isRunnable(target)) return target[RUN](inputs, { ...context, options: callOptions });
    return target.call(inputs, callOptions);
  };
  const self: RunnableProgram<I, O> & OrchestratedProgram<I, O> = {
    kind: program.kind,
    name: program.name,
    signature: program.signature,
    variables: program.variables,
    configuration: program.configuration,
    predictors: program.predictors,
    followedVariables: followed,
    orchestration: Object.freeze({ ...bound }),
    withOrchestration(values) {
      const given = parseOptions(
        valuesSchema,
        values,
        'withOrchestration',
        'INVALID_ARGUMENT',
        'values',
      );
      return build(program, followed, { ...bound, ...given }, options);
    },
    withConfig(configuration) {
      return build(program.withConfig(configuration), followed, bound, options);
    },
    async call(inputs, callOptions) {
      return run(inputs, rootContext(self as Program<unknown, unknown>, callOptions));
    },
    [RUN]: run,
  };
  return Object.freeze(self);
}

/**
 * Makes a program follow orchestration variables: each call carries their current values (from
 * the call's `orchestration` option, or from the values the bridge bound with `withOrchestration`)
 * to `apply` and to every composed program's `forward`. Agentized, it subscribes to those
 * variables in its space.
 *
 * @example
 * const coder = enableOrchestration(routeBySelection({ variable: 'coder', programs: { python_coder, rust_coder } }), ['coder']);
 * await coder.call({ task }, { orchestration: { coder: ['rust_coder'] } }); // rust_coder answers
 */
export function enableOrchestration<I, O>(
  program: Program<I, O>,
  orchestrationVariableIds: readonly string[],
  options: EnableOrchestrationOptions<I, O> = {},
): OrchestratedProgram<I, O> {
  const subject = 'enableOrchestration';
  const given = parseOptions(programSchema, program, subject, 'INVALID_ARGUMENT', 'program');
  const ids = parseOptions(
    idsSchema,
    orchestrationVariableIds,
    subject,
    'INVALID_ARGUMENT',
    'orchestrationVariableIds',
  );
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i)
      invalidArgument(subject, `orchestrationVariableIds[${i}]`, 'repeats an earlier id', id);
  });
  const checked = parseOptions(
    optionsSchema,
    options,
    subject,
    'INVALID_ARGUMENT',
    'options',
  ) as EnableOrchestrationOptions<I, O>;
  const inner = isOrchestrated(given) ? (given as OrchestratedProgram<I, O>) : undefined;
  const followed = Object.freeze([
    ...(inner?.followedVariables ?? []),
    ...ids.filter((id) => !inner?.followedVariables.includes(id)),
  ]);
  return build(given as Program<I, O>, followed, inner?.orchestration ?? {}, checked);
}
