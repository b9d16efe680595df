import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  definitionError,
  freezeVariable,
  parseVariableOptions,
  positiveZero,
  variableSubject,
} from '../internal/define-variable';
import type { IntegerVariable, VariableOptions } from '../variable';

/** Options of {@link integer}. */
export interface IntegerOptions extends VariableOptions {
  /** `[min, max]`, both ends included. */
  readonly range: readonly [number, number];
  readonly default: number;
  /** Valid values are `min + k * step` (default 1). */
  readonly step?: number;
}

const integerSchema = z.strictObject({
  ...commonOptionShape,
  range: z.tuple([z.int(), z.int()]),
  default: z.int(),
  step: z.int().positive().optional(),
});

/**
 * An integer variable in a closed range, optionally on a step grid.
 *
 * @example
 * const batchSize = integer('batchSize', { range: [8, 128], step: 8, default: 32 });
 */
export function integer(id: string, options: IntegerOptions): IntegerVariable {
  const subject = variableSubject('integer', id);
  const parsed = parseVariableOptions(integerSchema, options, subject);
  const min = positiveZero(parsed.range[0]);
  const max = positiveZero(parsed.range[1]);
  if (min > max) {
    throw definitionError(
      'VARIABLE_RANGE_INVERTED',
      subject,
      'range',
      `range min ${min} is above max ${max}`,
      parsed.range,
    );
  }
  const step = parsed.step ?? 1;
  const value = positiveZero(parsed.default);
  if (value < min || value > max) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default ${value} is outside the range [${min}, ${max}]`,
      parsed.default,
    );
  }
  if ((value - min) % step !== 0) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default ${value} is not ${min} plus a multiple of step ${step}`,
      parsed.default,
    );
  }
  return freezeVariable({
    kind: 'integer',
    ...commonFields(id, parsed),
    default: value,
    range: [min, max] as const,
    step,
  });
}
