import { describeValue } from '@varplane/core/internal';
import { readSafely } from '../internal/read-field';
import { describeJson, invalid, jsonOf, objectOf } from './internal/model-checks';
import type { Model } from './model';

/** An operation on a single register. */
export type RegisterInput<Value> =
  | { readonly type: 'read' }
  | { readonly type: 'write'; readonly value: Value }
  /** Writes `value` only when the register holds `expected`; outputs whether it did. */
  | { readonly type: 'cas'; readonly expected: Value; readonly value: Value };

/** A read outputs the value, a write `null`, a compare-and-set whether it wrote. */
export type RegisterOutput<Value> = Value | boolean | null;

/**
 * A single read/write register holding JSON values (compared by their JSON text), starting at
 * `initial`.
 *
 * @example
 * checkLinearizability(history, createRegisterModel({ initial: 0 }));
 */
export function createRegisterModel<Value>(options: {
  readonly initial: Value;
}): Model<Value, RegisterInput<Value>, RegisterOutput<Value>> {
  const S = 'register model';
  const initial = readSafely(S, 'RAFT_INVALID_OPTIONS', () => {
    if (typeof options !== 'object' || options === null)
      throw invalid('createRegisterModel', 'options', options, 'an object with initial');
    return options.initial;
  });
  jsonOf(initial, 'createRegisterModel', 'options.initial');
  return {
    name: 'register',
    init: () => initial,
    step(state, input) {
      const fields = readFields(input, S, ['type', 'value', 'expected']);
      switch (fields.type) {
        case 'read':
          return { state, output: state };
        case 'write':
          return { state: fields.value as Value, output: null };
        case 'cas': {
          const matches =
            jsonOf(state, S, 'state') === jsonOf(fields.expected, S, 'input.expected');
          return { state: matches ? (fields.value as Value) : state, output: matches };
        }
        default:
          throw invalid(S, 'step: input.type', fields.type, "'read', 'write' or 'cas'");
      }
    },
    outputEquals: (expected, actual) =>
      jsonOf(expected, S, 'expected') === jsonOf(actual, S, 'actual'),
    stateKey: (state) => jsonOf(state, S, 'state'),
    describeInput(input) {
      try {
        if (input.type === 'read') return 'read()';
        if (input.type === 'write') return `write(${describeJson(input.value)})`;
        if (input.type === 'cas')
          return `cas(${describeJson(input.expected)}, ${describeJson(input.value)})`;
      } catch {
        // An input that cannot be read is described as a value.
      }
      return describeValue(input);
    },
    describeOutput: describeJson,
    describeState: describeJson,
  };
}

/** The named fields of an input, read once; an input that is not an object is refused. */
function readFields(
  input: unknown,
  subject: string,
  keys: readonly string[],
): Record<string, unknown> {
  return readSafely(subject, 'RAFT_INVALID_ARGUMENT', () => {
    const source = objectOf(input, subject, 'input');
    const out: Record<string, unknown> = {};
    for (const key of keys) out[key] = source[key];
    return out;
  });
}

/** An operation on one key of a string map; a missing key reads as `null`. */
export type KeyValueInput =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string }
  /** Puts `value` only when the key holds `expected` (`null`: absent); outputs whether it did. */
  | {
      readonly type: 'cas';
      readonly key: string;
      readonly expected: string | null;
      readonly value: string;
    };

/** A get outputs the value (`null` when absent), put and delete `null`, cas whether it wrote. */
export type KeyValueOutput = string | boolean | null;

/**
 * A map from string keys to string values that starts empty. Operations on different keys are
 * independent, so the checker partitions the history by key (P-compositionality) and checks each
 * key's operations on their own; the model's state is then one key's value.
 *
 * @example
 * checkLinearizability(history, createKeyValueModel());
 */
export function createKeyValueModel(): Model<string | null, KeyValueInput, KeyValueOutput> {
  const S = 'key-value model';
  const text = (value: unknown, path: string): string => {
    if (typeof value !== 'string') throw invalid(S, path, value, 'a string');
    return value;
  };
  return {
    name: 'key-value',
    init: () => null,
    step(state, input) {
      if (state !== null) text(state, 'state');
      const fields = readFields(input, S, ['type', 'key', 'value', 'expected']);
      text(fields.key, 'input.key');
      switch (fields.type) {
        case 'get':
          return { state, output: state };
        case 'put':
          return { state: text(fields.value, 'input.value'), output: null };
        case 'delete':
          return { state: null, output: null };
        case 'cas': {
          const expected =
            fields.expected === null ? null : text(fields.expected, 'input.expected');
          const value = text(fields.value, 'input.value');
          const matches = state === expected;
          return { state: matches ? value : state, output: matches };
        }
        default:
          throw invalid(S, 'input.type', fields.type, "'get', 'put', 'delete' or 'cas'");
      }
    },
    outputEquals: (expected, actual) => expected === actual,
    // The prefix keeps null apart from the string "null".
    stateKey: (state) => (state === null ? '-' : `=${text(state, 'state')}`),
    partition: (input) => text(readFields(input, S, ['key']).key, 'input.key'),
    describeInput(input) {
      try {
        const key = describeJson(input.key);
        if (input.type === 'get') return `get(${key})`;
        if (input.type === 'delete') return `delete(${key})`;
        if (input.type === 'put') return `put(${key}, ${describeJson(input.value)})`;
        if (input.type === 'cas')
          return `cas(${key}, ${describeJson(input.expected)}, ${describeJson(input.value)})`;
      } catch {
        // An input that cannot be read is described as a value.
      }
      return describeValue(input);
    },
    describeOutput: describeJson,
    describeState: describeJson,
  };
}
