import { describeValue } from '@varplane/core/internal';
import { RaftError } from '../../errors';

const METHODS = [
  'init',
  'step',
  'outputEquals',
  'stateKey',
  'describeInput',
  'describeOutput',
  'describeState',
] as const;

/** Throws `RAFT_INVALID_ARGUMENT` unless `model` has a name and every method of a `Model`. */
export function checkModel(model: unknown, subject: string): void {
  if (typeof model !== 'object' || model === null)
    throw invalid(subject, 'model', model, 'a Model');
  const m = model as Record<string, unknown>;
  if (typeof m.name !== 'string') throw invalid(subject, 'model.name', m.name, 'a string');
  for (const method of METHODS) {
    if (typeof m[method] !== 'function')
      throw invalid(subject, `model.${method}`, m[method], 'a function');
  }
  if (m.partition !== undefined && typeof m.partition !== 'function')
    throw invalid(subject, 'model.partition', m.partition, 'a function');
}

export function invalid(
  subject: string,
  path: string,
  value: unknown,
  expected: string,
): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_ARGUMENT',
    message: `${subject}: ${path} must be ${expected} (got ${describeValue(value)})`,
  });
}

/**
 * JSON for a description: the full text for JSON values (a counterexample shows them whole), a
 * short description for anything JSON cannot hold (cycles, bigints, Proxies). Never throws.
 */
export function describeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // Not JSON: described below.
  }
  return describeValue(value);
}

/** `JSON.stringify(value)` for a model's keys and comparisons; `RAFT_INVALID_ARGUMENT` if not JSON. */
export function jsonOf(value: unknown, subject: string, path: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw invalid(subject, path, value, 'a JSON value');
  }
  return text ?? 'undefined';
}

/** `value[key]` of an object input, or `RAFT_INVALID_ARGUMENT` naming the field. */
export function objectOf(value: unknown, subject: string, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalid(subject, path, value, 'an object');
  return value as Record<string, unknown>;
}
