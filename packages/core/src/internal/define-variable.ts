import { z } from 'zod';
import { type CoreErrorCode, describeValue, VariableDefinitionError } from '../errors';
import type {
  Condition,
  OptimizationHints,
  Predicate,
  VariableConstraint,
  VariableKind,
} from '../variable';
import { deepFreeze } from './json';
import { parseOrThrow } from './parse';

/** A zod schema that accepts any function and keeps it as it is. */
export function functionSchema<F>() {
  return z.custom<F>((value) => typeof value === 'function', 'must be a function');
}

export const idSchema = z.string().min(1, 'must be a non-empty string');

const predicateSchema = z.union([
  z.strictObject({ equals: z.json() }),
  z.strictObject({ notEquals: z.json() }),
  z.strictObject({ oneOf: z.array(z.json()) }),
  z.strictObject({
    between: z
      .tuple([z.number(), z.number()])
      .refine(([low, high]) => low <= high, 'lower bound must not exceed the upper bound'),
  }),
  functionSchema<(value: unknown) => boolean>(),
]);

/** The zod shape of the options every constructor shares; each kind spreads it into its own. */
export const commonOptionShape = {
  description: z.string().optional(),
  constraints: z
    .array(
      z.strictObject({
        message: z.string(),
        check: functionSchema<VariableConstraint['check']>(),
      }),
    )
    .optional(),
  dependencies: z.array(idSchema).optional(),
  hints: z
    .strictObject({
      importance: z.number().positive().optional(),
      frozen: z.boolean().optional(),
      mutationScale: z.number().gt(0).max(1).optional(),
      tags: z.array(z.string()).optional(),
    })
    .optional(),
  condition: z.strictObject({ variable: idSchema, when: predicateSchema }).optional(),
};

type CommonParsed = z.output<z.ZodObject<typeof commonOptionShape>>;

/**
 * Checks a variable id and returns the subject that opens every message about it
 * (`float "temperature"`).
 */
export function variableSubject(kind: VariableKind, id: unknown): string {
  // `__proto__` cannot be a key of a plain configuration object without replacing its prototype.
  if (typeof id !== 'string' || id === '' || id === '__proto__') {
    const message = 'id must be a non-empty string other than "__proto__"';
    throw new VariableDefinitionError({
      code: 'VARIABLE_INVALID_OPTIONS',
      message: `${kind}: ${message} (got ${describeValue(id)})`,
      issues: [{ path: 'id', message, value: id }],
    });
  }
  return `${kind} ${JSON.stringify(id)}`;
}

/** Parses a constructor's options with zod; failures become `VARIABLE_INVALID_OPTIONS`. */
export function parseVariableOptions<S extends z.ZodType>(
  schema: S,
  options: unknown,
  subject: string,
): z.output<S> {
  return parseOrThrow(schema, options, {
    code: 'VARIABLE_INVALID_OPTIONS',
    subject,
    error: (failure) => new VariableDefinitionError(failure),
  });
}

/** A definition error whose message names the variable, the problem and the offending value. */
export function definitionError(
  code: CoreErrorCode,
  subject: string,
  path: string,
  message: string,
  value: unknown,
): VariableDefinitionError {
  return new VariableDefinitionError({
    code,
    message: `${subject}: ${message} (got ${describeValue(value)})`,
    issues: [{ path, message, value }],
  });
}

/** The first value that appears twice (SameValueZero, so `0` and `-0` are the same), with its index. */
export function findDuplicate<T>(values: readonly T[]): { index: number; value: T } | undefined {
  const seen = new Set<T>();
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as T;
    if (seen.has(value)) return { index, value };
    seen.add(value);
  }
  return undefined;
}

interface CommonFields {
  readonly id: string;
  readonly description: string;
  readonly constraints: readonly VariableConstraint[];
  readonly dependencies: readonly string[];
  readonly hints: OptimizationHints;
  readonly condition?: Condition;
}

/**
 * The fields every kind shares. The condition's variable and `extraDependencies` (a composite's
 * inputs) join the declared dependencies, so the space orders and checks them all the same way.
 */
export function commonFields(
  id: string,
  options: CommonParsed,
  extraDependencies: readonly string[] = [],
): CommonFields {
  const dependencies = new Set([...extraDependencies, ...(options.dependencies ?? [])]);
  const fields: { -readonly [K in keyof CommonFields]: CommonFields[K] } = {
    id,
    description: options.description ?? '',
    constraints: options.constraints ?? [],
    dependencies: [],
    hints: stripUndefined(options.hints ?? {}) as OptimizationHints,
  };
  if (options.condition !== undefined) {
    dependencies.add(options.condition.variable);
    fields.condition = {
      variable: options.condition.variable,
      when: options.condition.when as Predicate,
    };
  }
  fields.dependencies = [...dependencies];
  return fields;
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out;
}

/**
 * Freezes a finished variable: its data all the way down, while functions and zod schemas (class
 * instances) are left alone. Everything frozen here is a copy zod or the constructor made, never
 * the caller's own object.
 */
export function freezeVariable<V>(variable: V): V {
  return deepFreeze(variable);
}

/** `-0` as `0`: configurations go through JSON, which cannot keep the sign of zero. */
export function positiveZero(value: number): number {
  return value === 0 ? 0 : value;
}
