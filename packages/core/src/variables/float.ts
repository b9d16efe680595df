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
import { createFloatGrid } from '../internal/float-grid';
import type { FloatVariable, VariableOptions } from '../variable';

/** Options of {@link float}. */
export interface FloatOptions extends VariableOptions {
  /** `[min, max]`, both ends included. */
  readonly range: readonly [number, number];
  readonly default: number;
  /** Decimal places kept (0 to 15); values are rounded to it before the range check. */
  readonly precision?: number;
  /** `log` samples and mutates evenly in log space; it needs `min > 0`. Default `uniform`. */
  readonly distribution?: 'uniform' | 'log';
}

const floatSchema = z.strictObject({
  ...commonOptionShape,
  range: z.tuple([z.number(), z.number()]),
  default: z.number(),
  precision: z.int().min(0).max(15).optional(),
  distribution: z.enum(['uniform', 'log']).optional(),
});

/**
 * A continuous variable in a closed range.
 *
 * @example
 * const temperature = float('temperature', { range: [0, 2], default: 0.7, precision: 2 });
 * const learningRate = float('learningRate', { range: [1e-5, 1e-1], default: 1e-3, distribution: 'log' });
 */
export function float(id: string, options: FloatOptions): FloatVariable {
  const subject = variableSubject('float', id);
  const parsed = parseVariableOptions(floatSchema, options, subject);
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
  const distribution = parsed.distribution ?? 'uniform';
  if (distribution === 'log' && min <= 0) {
    throw definitionError(
      'VARIABLE_INVALID_OPTIONS',
      subject,
      'range',
      `a log distribution needs range min above 0, min is ${min}`,
      parsed.range,
    );
  }
  const grid = createFloatGrid(min, max, parsed.precision);
  if (grid.low > grid.high) {
    throw definitionError(
      'VARIABLE_INVALID_OPTIONS',
      subject,
      'range',
      `range [${min}, ${max}] holds no value with ${parsed.precision} decimal places`,
      parsed.range,
    );
  }
  const value = grid.round(parsed.default);
  if (value < min || value > max) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default ${parsed.default} is outside the range [${min}, ${max}]`,
      parsed.default,
    );
  }
  const variable: { -readonly [K in keyof FloatVariable]: FloatVariable[K] } = {
    kind: 'float',
    ...commonFields(id, parsed),
    default: value,
    range: [min, max],
    distribution,
  };
  if (parsed.precision !== undefined) variable.precision = parsed.precision;
  return freezeVariable(variable);
}
