// Test-only helpers; not exported from the package.
import { isDeepStrictEqual } from 'node:util';
import { type Issue, VarplaneError } from '../errors';
import type { Variable } from '../variable';
import type { Configuration, VariableSpace } from '../variable-space';

export type CaughtError = VarplaneError & { readonly issues?: readonly Issue[] };

/** Runs `fn` and returns the varplane error it throws; throws (failing the test) otherwise. */
export function catchVarplaneError(fn: () => unknown): CaughtError {
  try {
    fn();
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error as CaughtError;
    throw error;
  }
  throw new Error('expected a VarplaneError, but nothing was thrown');
}

/**
 * An independent reading of what a valid configuration is, written from the spec rather than from
 * the space's code: returns every way `configuration` breaks it (empty when valid).
 */
export function violations(space: VariableSpace, configuration: Configuration): string[] {
  const found: string[] = [];
  const ids = new Set(space.variables.map((variable) => variable.id));
  for (const key of Object.keys(configuration)) if (!ids.has(key)) found.push(`${key}: unknown`);
  for (const variable of space.variables) {
    const present = Object.hasOwn(configuration, variable.id);
    const active = isActiveBySpec(variable, configuration);
    if (present !== active) found.push(`${variable.id}: present=${present} active=${active}`);
    if (!present) continue;
    const value = configuration[variable.id];
    if (!satisfies(variable, value, configuration)) {
      found.push(`${variable.id}: ${JSON.stringify(value)} does not satisfy its ${variable.kind}`);
    }
    for (const constraint of variable.constraints) {
      if (!constraint.check(value, configuration))
        found.push(`${variable.id}: ${constraint.message}`);
    }
  }
  for (const constraint of space.constraints) {
    if (constraint.check(configuration) !== true) found.push(`constraint ${constraint.name}`);
  }
  return found;
}

function isActiveBySpec(variable: Variable, configuration: Configuration): boolean {
  const condition = variable.condition;
  if (condition === undefined) return true;
  if (!Object.hasOwn(configuration, condition.variable)) return false;
  const value = configuration[condition.variable];
  const when = condition.when;
  if (typeof when === 'function') return when(value) === true;
  if ('equals' in when) return isDeepStrictEqual(value, when.equals);
  if ('notEquals' in when) return !isDeepStrictEqual(value, when.notEquals);
  if ('oneOf' in when) return when.oneOf.some((option) => isDeepStrictEqual(value, option));
  return typeof value === 'number' && value >= when.between[0] && value <= when.between[1];
}

function satisfies(variable: Variable, value: unknown, configuration: Configuration): boolean {
  switch (variable.kind) {
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value) || Object.is(value, -0))
        return false;
      const [min, max] = variable.range;
      if (value < min || value > max) return false;
      return (
        variable.precision === undefined || Number(value.toFixed(variable.precision)) === value
      );
    }
    case 'integer': {
      const [min, max] = variable.range;
      return (
        Number.isInteger(value) &&
        !Object.is(value, -0) &&
        (value as number) >= min &&
        (value as number) <= max &&
        ((value as number) - min) % variable.step === 0
      );
    }
    case 'choice':
      return (
        (variable.choices as readonly unknown[]).includes(value) ||
        (variable.allowCustom && variable.choices.some((item) => typeof item === typeof value))
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'module':
      return variable.implementations.some(
        (implementation) =>
          implementation.name === value &&
          variable.requiredCapabilities.every((c) => implementation.capabilities.includes(c)),
      );
    case 'text':
      return (
        typeof value === 'string' &&
        value.length >= variable.minLength &&
        value.length <= variable.maxLength
      );
    case 'demos':
      return (
        Array.isArray(value) &&
        value.length <= variable.maxCount &&
        value.every((example) => variable.schema?.safeParse(example).success ?? true) &&
        isDeepStrictEqual(JSON.parse(JSON.stringify(value)), value)
      );
    case 'composite': {
      const inputs: Record<string, unknown> = {};
      for (const id of variable.dependencies) {
        if (Object.hasOwn(configuration, id)) inputs[id] = configuration[id];
      }
      return isDeepStrictEqual(variable.compute(inputs), value);
    }
  }
}
