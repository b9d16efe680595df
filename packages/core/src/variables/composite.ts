import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  freezeVariable,
  functionSchema,
  idSchema,
  parseVariableOptions,
  variableSubject,
} from '../internal/define-variable';
import type { CompositeVariable, JsonValue, VariableOptions } from '../variable';

/** Options of {@link composite}. */
export interface CompositeOptions<T extends JsonValue>
  extends Omit<VariableOptions, 'dependencies'> {
  /** The variables `compute` reads; each is computed or validated first. */
  readonly dependencies: readonly string[];
  /**
   * Receives the values of `dependencies` (an inactive one is absent) and returns a JSON value. It
   * must be pure: validation runs it every time, and a throw becomes a configuration issue.
   */
  readonly compute: (values: Readonly<Record<string, unknown>>) => T;
}

const compositeSchema = z.strictObject({
  ...commonOptionShape,
  dependencies: z.array(idSchema),
  compute: functionSchema<(values: Readonly<Record<string, unknown>>) => JsonValue>(),
});

/**
 * A value derived from other variables, never set directly. A configuration may carry it (a
 * serialized one does), but then it must equal the computed value.
 *
 * @example
 * const budget = composite('budget', {
 *   dependencies: ['maxTokens', 'samples'],
 *   compute: ({ maxTokens, samples }) => (maxTokens as number) * (samples as number),
 * });
 */
export function composite<T extends JsonValue = JsonValue>(
  id: string,
  options: CompositeOptions<T>,
): CompositeVariable<T> {
  const subject = variableSubject('composite', id);
  const parsed = parseVariableOptions(compositeSchema, options, subject);
  return freezeVariable({
    kind: 'composite',
    ...commonFields(id, parsed, parsed.dependencies),
    default: undefined,
    compute: parsed.compute as CompositeVariable<T>['compute'],
  });
}
