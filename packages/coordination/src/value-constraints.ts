import type { ValueConstraints } from '@varplane/core';
import { z } from 'zod';
import {
  isAdmissible as admissible,
  constrainValue as constrain,
  assertFeasible as feasible,
  satisfiesConstraints as satisfies,
} from './internal/constraints';
import { checkOrThrow, invalid } from './internal/parse';

/** The zod schema of {@link ValueConstraints}; unknown keys are refused, so typos surface. */
export const valueConstraintsSchema = z.strictObject({
  min: z.number().optional(),
  max: z.number().optional(),
  step: z.number().positive('must be above 0').optional(),
  allowed: z.array(z.unknown()).optional(),
});

/** The constraints, checked: a plain loop first, zod only to word a refusal. */
function readConstraints(subject: string, constraints: unknown): ValueConstraints {
  return checkOrThrow<ValueConstraints>(constraints, isConstraints, valueConstraintsSchema, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'constraints',
  });
}

const KEYS = new Set(['min', 'max', 'step', 'allowed']);

function isConstraints(input: unknown): boolean {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
    for (const key of Object.keys(input)) if (!KEYS.has(key)) return false;
    const { min, max, step, allowed } = input as Record<string, unknown>;
    return (
      (min === undefined || Number.isFinite(min)) &&
      (max === undefined || Number.isFinite(max)) &&
      (step === undefined || (Number.isFinite(step) && (step as number) > 0)) &&
      (allowed === undefined || Array.isArray(allowed))
    );
  } catch {
    return false;
  }
}

function isThenable(value: unknown): boolean {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { then?: unknown }).then === 'function'
    );
  } catch {
    return true;
  }
}

function readVariableId(subject: string, variableId: unknown): string | undefined {
  if (variableId === undefined || typeof variableId === 'string') return variableId;
  return invalid(subject, 'INVALID_ARGUMENT', 'variableId', 'must be a string', variableId);
}

/**
 * Whether `value` satisfies the constraints. `min`, `max` and `step` bind numbers only; `allowed`
 * binds every value.
 */
export function satisfiesConstraints(value: unknown, constraints: ValueConstraints): boolean {
  return satisfies(value, readConstraints('satisfiesConstraints', constraints));
}

/**
 * Throws `NEGOTIATION_INFEASIBLE` when no value at all can satisfy the constraints: `min` above
 * `max`, or an `allowed` list none of whose entries fits the bounds and step.
 */
export function assertFeasible(constraints: ValueConstraints, variableId?: string): void {
  feasible(
    readConstraints('assertFeasible', constraints),
    readVariableId('assertFeasible', variableId),
  );
}

/**
 * Whether a strategy may choose `value` at all: a value outside `allowed` cannot be granted, a
 * number can (it is moved to the nearest feasible number) as long as some number is feasible.
 */
export function isAdmissible(value: unknown, constraints: ValueConstraints): boolean {
  return admissible(value, readConstraints('isAdmissible', constraints));
}

/**
 * The value the constraints let through, closest to `value`: a number is clamped to `[min, max]`,
 * moved to the nearest multiple of `step` inside the range, or to the nearest allowed number (ties
 * to the smaller), and cleaned of float noise; any other value must be allowed as it is. Throws
 * `NEGOTIATION_INFEASIBLE` when nothing fits.
 *
 * @example
 * constrainValue(0.4900000000000001, { min: 0, max: 2 }); // 0.49
 * constrainValue(7.3, { min: 0, max: 10, step: 2 }); // 8
 */
export function constrainValue(
  value: unknown,
  constraints: ValueConstraints,
  variableId?: string,
): unknown {
  if (typeof value === 'function' || isThenable(value))
    invalid(
      'constrainValue',
      'INVALID_ARGUMENT',
      'value',
      'must be a value, not a function or a promise',
      value,
    );
  return constrain(
    value,
    readConstraints('constrainValue', constraints),
    readVariableId('constrainValue', variableId),
  );
}
