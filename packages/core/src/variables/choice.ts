import { z } from 'zod';
import {
  commonFields,
  commonOptionShape,
  definitionError,
  findDuplicate,
  freezeVariable,
  parseVariableOptions,
  positiveZero,
  variableSubject,
} from '../internal/define-variable';
import type { ChoiceValue, ChoiceVariable, VariableOptions } from '../variable';

/** Options of {@link choice}. */
export interface ChoiceOptions<T extends ChoiceValue> extends VariableOptions {
  /** The allowed values: strings, finite numbers or booleans, each once. */
  readonly choices: readonly T[];
  /** Sampling weights aligned with `choices`: non-negative, summing above 0. */
  readonly weights?: readonly number[];
  /** Values outside `choices` validate too, when of a primitive type some choice has. */
  readonly allowCustom?: boolean;
  /** Default: the first choice. */
  readonly default?: T;
}

const choiceValueSchema = z.union([z.string(), z.number(), z.boolean()]);

const choiceSchema = z.strictObject({
  ...commonOptionShape,
  choices: z.array(choiceValueSchema),
  weights: z.array(z.number().nonnegative()).optional(),
  allowCustom: z.boolean().optional(),
  default: choiceValueSchema.optional(),
});

/**
 * One value out of a fixed list.
 *
 * @example
 * const strategy = choice('strategy', {
 *   choices: ['predict', 'chain_of_thought', 'react'],
 *   weights: [1, 2, 1],
 *   default: 'chain_of_thought',
 * });
 */
export function choice<T extends ChoiceValue>(
  id: string,
  options: ChoiceOptions<T>,
): ChoiceVariable<T> {
  const subject = variableSubject('choice', id);
  const parsed = parseVariableOptions(choiceSchema, options, subject);
  const choices = parsed.choices.map((value) =>
    typeof value === 'number' ? positiveZero(value) : value,
  ) as T[];
  if (choices.length === 0) {
    throw definitionError(
      'VARIABLE_EMPTY_CHOICES',
      subject,
      'choices',
      'choices must not be empty',
      choices,
    );
  }
  const duplicate = findDuplicate(choices);
  if (duplicate !== undefined) {
    throw definitionError(
      'VARIABLE_DUPLICATE_CHOICE',
      subject,
      `choices[${duplicate.index}]`,
      `choice ${JSON.stringify(duplicate.value)} appears more than once`,
      parsed.choices,
    );
  }
  const weights = parsed.weights;
  if (weights !== undefined) {
    if (weights.length !== choices.length) {
      throw definitionError(
        'VARIABLE_INVALID_OPTIONS',
        subject,
        'weights',
        `needs ${choices.length} weights, one per choice, not ${weights.length}`,
        weights,
      );
    }
    if (!(weights.reduce((sum, weight) => sum + weight, 0) > 0)) {
      throw definitionError(
        'VARIABLE_INVALID_OPTIONS',
        subject,
        'weights',
        'weights must sum above 0',
        weights,
      );
    }
  }
  const allowCustom = parsed.allowCustom ?? false;
  const value = (
    typeof parsed.default === 'number'
      ? positiveZero(parsed.default)
      : (parsed.default ?? choices[0])
  ) as T;
  const customOk = allowCustom && choices.some((item) => typeof item === typeof value);
  if (!customOk && !choices.includes(value)) {
    throw definitionError(
      'VARIABLE_DEFAULT_INVALID',
      subject,
      'default',
      `default ${JSON.stringify(value)} is not one of the choices ${JSON.stringify(choices)}`,
      parsed.default,
    );
  }
  const variable: { -readonly [K in keyof ChoiceVariable<T>]: ChoiceVariable<T>[K] } = {
    kind: 'choice',
    ...commonFields(id, parsed),
    default: value,
    choices,
    allowCustom,
  };
  if (weights !== undefined) variable.weights = weights;
  return freezeVariable(variable);
}
