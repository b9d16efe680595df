import type { JsonValue } from '@varplane/core';
import { invalidArgument } from './internal/parse-options';
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

/** Whether a program follows orchestration variables. */
export function isOrchestrated<I, O>(program: Program<I, O>): program is OrchestratedProgram<I, O> {
  return Array.isArray((program as Partial<OrchestratedProgram<I, O>>).followedVariables);
}

function build<I, O>(
  program: Program<I, O>,
  followed: readonly string[],
  bound: Readonly<Record<string, JsonValue>>,
  options: EnableOrchestrationOptions<I, O>,
): OrchestratedProgram<I, O> {
  const valuesFor = (given: CallOptions['orchestration']): Record<string, JsonValue> => {
    const values: Record<string, JsonValue> = {};
    for (const id of followed) {
      const value = given?.[id] ?? bound[id];
      if (value !== undefined) values[id] = value;
    }
    return values;
  };
  const run = (inputs: I, context: RunContext): Promise<O> => {
    const values = valuesFor(context.options.orchestration);
    const target = options.apply === undefined ? program : options.apply(program, values);
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
      if (typeof values !== 'object' || values === null) {
        invalidArgument(
          'withOrchestration',
          'values',
          'must be an object of variable values',
          values,
        );
      }
      return build(program, followed, { ...bound, ...values }, options);
    },
    withConfig(configuration) {
      return build(program.withConfig(configuration), followed, bound, options);
    },
    call(inputs, callOptions) {
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
  if (typeof program?.call !== 'function' || program.variables === undefined) {
    invalidArgument(subject, 'program', 'must be a Program', program);
  }
  if (!Array.isArray(orchestrationVariableIds) || orchestrationVariableIds.length === 0) {
    invalidArgument(
      subject,
      'orchestrationVariableIds',
      'must name at least one variable',
      orchestrationVariableIds,
    );
  }
  orchestrationVariableIds.forEach((id, i) => {
    if (typeof id !== 'string' || id === '') {
      invalidArgument(subject, `orchestrationVariableIds[${i}]`, 'must be a non-empty string', id);
    }
    if (orchestrationVariableIds.indexOf(id) !== i) {
      invalidArgument(subject, `orchestrationVariableIds[${i}]`, 'repeats an earlier id', id);
    }
  });
  if (options.apply !== undefined && typeof options.apply !== 'function') {
    invalidArgument(subject, 'options.apply', 'must be a function', options.apply);
  }
  const inner = isOrchestrated(program) ? program : undefined;
  const followed = Object.freeze([
    ...(inner?.followedVariables ?? []),
    ...orchestrationVariableIds.filter((id) => !inner?.followedVariables.includes(id)),
  ]);
  return build(program, followed, inner?.orchestration ?? {}, options);
}
