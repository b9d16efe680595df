import type { Issue } from '../errors';
import type { JsonValue } from '../variable';

/** Marks a value that failed its checks; never a JSON value, so it cannot collide with one. */
export const INVALID: unique symbol = Symbol('varplane.invalid');
export type Invalid = typeof INVALID;

// Deeper than any sane configuration, shallow enough to stay far from the stack limit (and to stop
// on cyclic objects).
const MAX_DEPTH = 256;

/**
 * A fresh copy of `value` that survives `JSON.stringify` and `JSON.parse` unchanged, or `INVALID`
 * after pushing an issue at the exact path of the first bad part. `-0` becomes `0` because JSON
 * cannot tell them apart.
 */
export function normalizeJson(
  value: unknown,
  path: string,
  issues: Issue[],
  depth = 0,
): JsonValue | Invalid {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value === 0 ? 0 : value;
    issues.push({ path, message: 'must be a finite number', value });
    return INVALID;
  }
  if (depth >= MAX_DEPTH) {
    issues.push({ path, message: `is nested deeper than ${MAX_DEPTH} levels` });
    return INVALID;
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = normalizeJson(value[i], `${path}[${i}]`, issues, depth + 1);
      if (item === INVALID) return INVALID;
      out[i] = item;
    }
    return out;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, JsonValue> = {};
      for (const key of Object.keys(value)) {
        const keyPath = path === '' ? key : `${path}.${key}`;
        // Assigning `__proto__` would replace the copy's prototype instead of adding a key.
        if (key === '__proto__') {
          issues.push({ path: keyPath, message: 'is not an allowed key' });
          return INVALID;
        }
        const item = normalizeJson(
          (value as Record<string, unknown>)[key],
          keyPath,
          issues,
          depth + 1,
        );
        if (item === INVALID) return INVALID;
        out[key] = item;
      }
      return out;
    }
  }
  issues.push({ path, message: 'must be a JSON value', value });
  return INVALID;
}

/** Structural equality of JSON values (`0` equals `-0`, key order ignored). */
export function jsonEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  for (const key of aKeys) {
    if (!Object.hasOwn(b, key)) return false;
    if (
      !jsonEqual(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        depth + 1,
      )
    ) {
      return false;
    }
  }
  return true;
}

/** Freezes plain objects and arrays all the way down; class instances and functions are left as they are. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== 'object' || item === null || Object.isFrozen(item)) continue;
    const proto = Object.getPrototypeOf(item);
    if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) continue;
    Object.freeze(item);
    for (const child of Object.values(item)) stack.push(child);
  }
  return value;
}

/** The message of a thrown value, for issues that report a user callback's failure. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
