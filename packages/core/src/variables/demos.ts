import { z } from 'zod';
import type { Issue } from '../errors';
import {
  commonFields,
  commonOptionShape,
  definitionError,
  freezeVariable,
  parseVariableOptions,
  variableSubject,
} from '../internal/define-variable';
import { checkExample } from '../internal/example';
import { INVALID } from '../internal/json';
import type { DemosVariable, JsonValue, VariableOptions } from '../variable';

/** Options of {@link demos}. */
export interface DemosOptions<E extends JsonValue> extends VariableOptions {
  /** At most this many examples in a value. */
  readonly maxCount: number;
  /**
   * Every example must parse with it. Keep it free of transforms, so that parsing its own output
   * gives the same value back (configurations are validated again after a JSON round trip).
   */
  readonly schema?: z.ZodType<E>;
  /** Where sampling and mutation draw examples from. */
  readonly pool?: readonly E[];
  /** Default: no examples. */
  readonly default?: readonly E[];
}

const demosSchema = z.strictObject({
  ...commonOptionShape,
  maxCount: z.int().nonnegative(),
  schema: z
    .custom<z.ZodType>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as { safeParse?: unknown }).safeParse === 'function',
      'must be a zod schema',
    )
    .optional(),
  pool: z.array(z.unknown()).optional(),
  default: z.array(z.unknown()).optional(),
});

/**
 * Few-shot examples: a list of typed examples, at most `maxCount`, drawn from a pool.
 *
 * @example
 * const examples = demos('examples', {
 *   maxCount: 4,
 *   schema: z.object({ question: z.string(), answer: z.string() }),
 *   pool: trainingSet,
 * });
 */
export function demos<E extends JsonValue = JsonValue>(
  id: string,
  options: DemosOptions<E>,
): DemosVariable<E> {
  const subject = variableSubject('demos', id);
  const parsed = parseVariableOptions(demosSchema, options, subject);
  const checkAll = (
    items: readonly unknown[],
    path: string,
    code: 'VARIABLE_INVALID_OPTIONS' | 'VARIABLE_DEFAULT_INVALID',
  ) => {
    const out: E[] = [];
    for (let i = 0; i < items.length; i++) {
      const issues: Issue[] = [];
      const example = checkExample(items[i], parsed.schema, `${path}[${i}]`, issues);
      if (example === INVALID) {
        const first = issues[0] as Issue;
        throw definitionError(
          code,
          subject,
          first.path,
          `${path} example ${i} is invalid at ${first.path}: ${first.message}`,
          items[i],
        );
      }
      out.push(example as E);
    }
    return out;
  };
  const pool = checkAll(parsed.pool ?? [], 'pool', 'VARIABLE_INVALID_OPTIONS');
  const rawDefault = parsed.default ?? [];
  if (rawDefault.length > parsed.maxCount) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default holds ${rawDefault.length} examples, above maxCount ${parsed.maxCount}`,
      rawDefault,
    );
  }
  const value = checkAll(rawDefault, 'default', 'VARIABLE_DEFAULT_INVALID');
  const variable: { -readonly [K in keyof DemosVariable<E>]: DemosVariable<E>[K] } = {
    kind: 'demos',
    ...commonFields(id, parsed),
    default: value,
    maxCount: parsed.maxCount,
    pool,
  };
  if (parsed.schema !== undefined) variable.schema = parsed.schema as z.ZodType<E>;
  return freezeVariable(variable);
}
