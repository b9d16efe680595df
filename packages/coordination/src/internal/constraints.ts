import type { ValueConstraints } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { NegotiationError } from '../errors';
import { cleanFloat, sameValue } from './values';

// The constraint rules on input already checked (by an operation, or by the public wrappers in
// value-constraints.ts): strategies call them once per preference, so they check nothing.

function onStep(x: number, c: ValueConstraints): boolean {
  if (c.step === undefined) return true;
  const k = (x - (c.min ?? 0)) / c.step;
  return Math.abs(k - Math.round(k)) <= 1e-9 * Math.max(1, Math.abs(k));
}

function inRange(x: number, c: ValueConstraints): boolean {
  return (c.min === undefined || x >= c.min) && (c.max === undefined || x <= c.max);
}

/** Numeric allowed values that also satisfy `min`, `max` and `step`. */
function feasibleAllowedNumbers(c: ValueConstraints): number[] {
  const out: number[] = [];
  for (const candidate of c.allowed ?? []) {
    if (typeof candidate === 'number' && inRange(candidate, c) && onStep(candidate, c)) {
      out.push(candidate);
    }
  }
  return out;
}

/**
 * Whether `value` satisfies the constraints. `min`, `max` and `step` bind numbers only; `allowed`
 * binds every value.
 */
export function satisfiesConstraints(value: unknown, constraints: ValueConstraints): boolean {
  if (constraints.allowed !== undefined && !constraints.allowed.some((a) => sameValue(a, value))) {
    return false;
  }
  if (typeof value !== 'number') return true;
  return Number.isFinite(value) && inRange(value, constraints) && onStep(value, constraints);
}

/**
 * Throws `NEGOTIATION_INFEASIBLE` when no value at all can satisfy the constraints: `min` above
 * `max`, or an `allowed` list none of whose entries fits the bounds and step.
 */
export function assertFeasible(constraints: ValueConstraints, variableId?: string): void {
  const { min, max, allowed } = constraints;
  const where = variableId === undefined ? '' : ` for ${describeValue(variableId)}`;
  if (min !== undefined && max !== undefined && min > max) {
    throw new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'empty_range',
      message: `no value${where} can satisfy constraints.min ${min} > constraints.max ${max}`,
      ...(variableId === undefined ? {} : { variableId }),
    });
  }
  if (allowed !== undefined && !allowed.some((a) => satisfiesConstraints(a, constraints))) {
    throw new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'no_allowed_value',
      message: `no value${where} in constraints.allowed ${describeValue(allowed)} satisfies min, max and step`,
      ...(variableId === undefined ? {} : { variableId }),
    });
  }
}

/**
 * Whether a strategy may choose `value` at all: a value outside `allowed` cannot be granted, a
 * number can (it is moved to the nearest feasible number) as long as some number is feasible.
 */
export function isAdmissible(value: unknown, constraints: ValueConstraints): boolean {
  if (typeof value !== 'number') return satisfiesConstraints(value, constraints);
  return constraints.allowed === undefined || feasibleAllowedNumbers(constraints).length > 0;
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
  assertFeasible(constraints, variableId);
  const where = variableId === undefined ? '' : ` for ${describeValue(variableId)}`;
  const refuse = (): never => {
    throw new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'value_not_allowed',
      message: `the value${where} ${describeValue(value)} is not among constraints.allowed ${describeValue(constraints.allowed)}`,
      ...(variableId === undefined ? {} : { variableId }),
    });
  };
  if (typeof value !== 'number') {
    return satisfiesConstraints(value, constraints) ? value : refuse();
  }
  if (!Number.isFinite(value)) return refuse();
  if (constraints.allowed !== undefined) {
    let best: number | undefined;
    for (const candidate of feasibleAllowedNumbers(constraints)) {
      const closer =
        best === undefined ||
        Math.abs(candidate - value) < Math.abs(best - value) ||
        (Math.abs(candidate - value) === Math.abs(best - value) && candidate < best);
      if (closer) best = candidate;
    }
    return best === undefined ? refuse() : best;
  }
  return snapNumber(value, constraints);
}

/** Clamps and snaps a finite number; the constraints are known to be feasible. */
function snapNumber(value: number, c: ValueConstraints): number {
  let x = value;
  if (c.min !== undefined && x < c.min) x = c.min;
  if (c.max !== undefined && x > c.max) x = c.max;
  if (c.step === undefined) return fitting(x, c) ?? x;
  const base = c.min ?? 0;
  const step = c.step;
  const k = Math.round((x - base) / step);
  // The nearest grid point first; float error can push it a hair past a bound, then a neighbour.
  let best: number | undefined;
  for (const j of [k, k - 1, k + 1]) {
    const candidate = fitting(base + j * step, c);
    if (
      candidate !== undefined &&
      (best === undefined || Math.abs(candidate - x) < Math.abs(best - x))
    ) {
      best = candidate;
    }
  }
  return best ?? base;
}

/** `raw` cleaned of float noise when that stays in range, else `raw` itself, else nothing. */
function fitting(raw: number, c: ValueConstraints): number | undefined {
  const clean = cleanFloat(raw);
  if (inRange(clean, c)) return clean;
  return inRange(raw, c) ? raw : undefined;
}
