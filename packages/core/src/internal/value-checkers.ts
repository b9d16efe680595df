import { describeValue, type Issue } from '../errors';
import type { JsonValue, Variable } from '../variable';
import { isEligibleImplementation } from '../variables/module';
import { checkExample } from './example';
import { createFloatGrid } from './float-grid';
import { INVALID, type Invalid } from './json';

/**
 * Checks one present value of a variable: returns it normalized (rounded, `-0` as `0`, copied
 * where it is a container) or `INVALID` after pushing its issues. Plain closures compiled once per
 * space, since validation is the hot path of every optimizer.
 */
export type ValueChecker = (value: unknown, issues: Issue[]) => JsonValue | Invalid;

type ValueVariable = Exclude<Variable, { kind: 'composite' }>;

/** Compiles the checker of a non-composite variable. */
export function createValueChecker(variable: ValueVariable): ValueChecker {
  const path = variable.id;
  const fail = (issues: Issue[], message: string, value: unknown): Invalid => {
    issues.push({ path, message, value });
    return INVALID;
  };
  switch (variable.kind) {
    case 'float': {
      const [min, max] = variable.range;
      const grid = createFloatGrid(min, max, variable.precision);
      const rangeMessage = `must be within [${min}, ${max}]`;
      return (value, issues) => {
        if (typeof value !== 'number') return fail(issues, 'must be a number', value);
        if (!Number.isFinite(value)) return fail(issues, 'must be a finite number', value);
        const rounded = grid.round(value);
        if (rounded < min || rounded > max) return fail(issues, rangeMessage, value);
        return rounded;
      };
    }
    case 'integer': {
      const [min, max] = variable.range;
      const step = variable.step;
      const rangeMessage = `must be within [${min}, ${max}]`;
      const stepMessage = `must be ${min} plus a multiple of ${step}`;
      return (value, issues) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          return fail(issues, 'must be an integer', value);
        }
        if (value < min || value > max) return fail(issues, rangeMessage, value);
        if (step !== 1 && (value - min) % step !== 0) return fail(issues, stepMessage, value);
        return value === 0 ? 0 : value;
      };
    }
    case 'choice': {
      const allowed = new Set<unknown>(variable.choices);
      const customTypes = variable.allowCustom
        ? new Set(variable.choices.map((item) => typeof item))
        : undefined;
      const message = `must be one of ${describeValue(variable.choices)}`;
      return (value, issues) => {
        if (allowed.has(value)) return value === 0 ? 0 : (value as JsonValue);
        if (
          customTypes?.has(typeof value) &&
          (typeof value !== 'number' || Number.isFinite(value))
        ) {
          return value === 0 ? 0 : (value as JsonValue);
        }
        return fail(issues, message, value);
      };
    }
    case 'boolean':
      return (value, issues) =>
        typeof value === 'boolean' ? value : fail(issues, 'must be a boolean', value);
    case 'module': {
      const required = variable.requiredCapabilities;
      const eligible = new Set(
        variable.implementations
          .filter((implementation) => isEligibleImplementation(implementation, required))
          .map((implementation) => implementation.name),
      );
      const names = variable.implementations.map((implementation) => implementation.name);
      const unknownMessage = `must be one of the implementations ${describeValue(names)}`;
      const lacksMessage = `names an implementation without every required capability ${describeValue(required)}`;
      return (value, issues) => {
        if (eligible.has(value as string)) return value as string;
        return fail(issues, names.includes(value as string) ? lacksMessage : unknownMessage, value);
      };
    }
    case 'text': {
      const { minLength, maxLength } = variable;
      const lengthMessage = `must have ${minLength} to ${maxLength} characters`;
      return (value, issues) => {
        if (typeof value !== 'string') return fail(issues, 'must be a string', value);
        if (value.length < minLength || value.length > maxLength) {
          return fail(issues, lengthMessage, value);
        }
        return value;
      };
    }
    case 'demos': {
      const { maxCount, schema } = variable;
      const countMessage = `must hold at most ${maxCount} examples`;
      return (value, issues) => {
        if (!Array.isArray(value)) return fail(issues, 'must be an array of examples', value);
        if (value.length > maxCount) return fail(issues, countMessage, value);
        const out: JsonValue[] = new Array(value.length);
        let ok = true;
        // Every bad example is reported, not just the first.
        for (let i = 0; i < value.length; i++) {
          const example = checkExample(value[i], schema, `${path}[${i}]`, issues);
          if (example === INVALID) ok = false;
          else out[i] = example;
        }
        return ok ? out : INVALID;
      };
    }
  }
}
