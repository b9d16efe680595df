import type { JsonValue, Random } from '@varplane/core';
import { canonicalJson } from './canonical-json';
import type { ListedField } from './read-prompt';

type JsonRecord = Readonly<Record<string, JsonValue>>;

/** Equal as the prompt shows them: `5` and `"5"` are the same answer. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' && typeof b !== 'object') return String(a) === String(b);
  return canonicalJson(a) === canonicalJson(b);
}

/** A value of a listed type that answers nothing: what the model says when it cannot answer. */
export function placeholder(field: ListedField): JsonValue {
  const hint = field.typeHint;
  if (hint.startsWith('one of: ')) {
    const first = hint.slice('one of: '.length).split(', ')[0] ?? '""';
    try {
      return JSON.parse(first) as JsonValue;
    } catch {
      return first;
    }
  }
  if (hint === 'number' || hint === 'integer') return 0;
  if (hint === 'boolean') return false;
  if (hint.startsWith('array')) return [];
  if (hint === 'string') return 'unknown';
  return null;
}

function enumOptions(hint: string): JsonValue[] {
  if (!hint.startsWith('one of: ')) return [];
  try {
    return JSON.parse(`[${hint.slice('one of: '.length)}]`) as JsonValue[];
  } catch {
    return [];
  }
}

/** A wrong value near the right one, of the same type. */
function perturb(value: JsonValue, field: ListedField | undefined, random: Random): JsonValue {
  const options = field === undefined ? [] : enumOptions(field.typeHint);
  const others = options.filter((option) => !sameValue(option, value));
  if (others.length > 0) return random.pick(others);
  const offset = () => random.pick([-3, -2, -1, 1, 2, 3]);
  if (typeof value === 'number') {
    const step = Number.isInteger(value) ? 1 : Math.max(0.1, Math.abs(value) * 0.1);
    const moved = value + offset() * step;
    return Number.isInteger(value) ? moved : Math.round(moved * 1000) / 1000;
  }
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed !== '' && Number.isFinite(Number(trimmed)))
      return String(Number(trimmed) + offset());
    return value === '' ? 'unknown' : `not ${value}`;
  }
  if (Array.isArray(value)) return value.length > 0 ? value.slice(0, -1) : ['unknown'];
  return null;
}

/** Each field of the correct answer perturbed by its type. */
export function defaultDistract(
  correct: JsonRecord,
  fields: readonly ListedField[],
  random: Random,
): JsonRecord {
  const out: Record<string, JsonValue> = {};
  for (const [name, value] of Object.entries(correct)) {
    out[name] = perturb(
      value,
      fields.find((f) => f.name === name),
      random,
    );
  }
  return out;
}

/** The output ChainOfThought adds. */
export const REASONING = 'reasoning';

/** What the simulation writes as its reasoning. */
export function reasoningText(correct: boolean): string {
  return correct
    ? 'Working through the inputs step by step, checking each one, the answer follows.'
    : 'Reading the inputs quickly, I settle on an answer.';
}
