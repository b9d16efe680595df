import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  freezeVariable,
  parseVariableOptions,
  variableSubject,
} from '../internal/define-variable';
import type { BooleanVariable, VariableOptions } from '../variable';

/** Options of {@link boolean}. */
export interface BooleanOptions extends VariableOptions {
  /** Default `false`. */
  readonly default?: boolean;
}

const booleanSchema = z.strictObject({ ...commonOptionShape, default: z.boolean().optional() });

/**
 * An on/off switch; often the `condition` of other variables.
 *
 * @example
 * const useTools = boolean('useTools', { default: true });
 */
export function boolean(id: string, options: BooleanOptions = {}): BooleanVariable {
  const subject = variableSubject('boolean', id);
  const parsed = parseVariableOptions(booleanSchema, options, subject);
  return freezeVariable({
    kind: 'boolean',
    ...commonFields(id, parsed),
    default: parsed.default ?? false,
  });
}
