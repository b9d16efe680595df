import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  definitionError,
  findDuplicate,
  freezeVariable,
  parseVariableOptions,
  variableSubject,
} from '../internal/define-variable';
import type { TextVariable, VariableOptions } from '../variable';

/** Options of {@link text}. */
export interface TextOptions extends VariableOptions {
  readonly default: string;
  /** Lengths count UTF-16 code units, as `string.length` does. Default 0. */
  readonly minLength?: number;
  /** Default: no limit. */
  readonly maxLength?: number;
  /** Alternatives sampling and mutation draw from, besides the default. */
  readonly candidates?: readonly string[];
}

const lengthSchema = z.int().nonnegative();

const textSchema = z.strictObject({
  ...commonOptionShape,
  default: z.string(),
  minLength: lengthSchema.optional(),
  maxLength: lengthSchema.optional(),
  candidates: z.array(z.string()).optional(),
});

/**
 * Free text such as an instruction. Any string within the length bounds validates; optimizers
 * draw from the default and the candidates (or from a proposer of their own).
 *
 * @example
 * const instruction = text('instruction', {
 *   default: 'Answer the question.',
 *   candidates: ['Answer briefly.', 'Think step by step, then answer.'],
 *   maxLength: 2000,
 * });
 */
export function text(id: string, options: TextOptions): TextVariable {
  const subject = variableSubject('text', id);
  const parsed = parseVariableOptions(textSchema, options, subject);
  const minLength = parsed.minLength ?? 0;
  const maxLength = parsed.maxLength ?? Number.POSITIVE_INFINITY;
  if (minLength > maxLength) {
    throw definitionError(
      'VARIABLE_RANGE_INVERTED',
      subject,
      'minLength',
      `minLength ${minLength} is above maxLength ${maxLength}`,
      [minLength, maxLength],
    );
  }
  const fits = (value: string) => value.length >= minLength && value.length <= maxLength;
  const bounds = `${minLength} to ${maxLength} characters`;
  if (!fits(parsed.default)) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default has ${parsed.default.length} characters, not ${bounds}`,
      parsed.default,
    );
  }
  const candidates = parsed.candidates ?? [];
  const misfit = candidates.findIndex((candidate) => !fits(candidate));
  if (misfit >= 0) {
    const candidate = candidates[misfit] as string;
    throw definitionError(
      'VARIABLE_INVALID_OPTIONS',
      subject,
      `candidates[${misfit}]`,
      `candidate ${misfit} has ${candidate.length} characters, not ${bounds}`,
      candidate,
    );
  }
  const duplicate = findDuplicate(candidates);
  if (duplicate !== undefined) {
    throw definitionError(
      'VARIABLE_DUPLICATE_CHOICE',
      subject,
      `candidates[${duplicate.index}]`,
      `candidate ${duplicate.index} appears more than once`,
      duplicate.value,
    );
  }
  return freezeVariable({
    kind: 'text',
    ...commonFields(id, parsed),
    default: parsed.default,
    minLength,
    maxLength,
    candidates,
  });
}
