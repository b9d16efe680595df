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
  const { initial } = options;
  return {
    name: 'register',
    init: () => initial,
    step(state, input) {
      switch (input.type) {
        case 'read':
          return { state, output: state };
        case 'write':
          return { state: input.value, output: null };
        case 'cas': {
          const matches = json(state) === json(input.expected);
          return { state: matches ? input.value : state, output: matches };
        }
      }
    },
    outputEquals: (expected, actual) => json(expected) === json(actual),
    stateKey: json,
    describeInput(input) {
      if (input.type === 'read') return 'read()';
      if (input.type === 'write') return `write(${json(input.value)})`;
      return `cas(${json(input.expected)}, ${json(input.value)})`;
    },
    describeOutput: json,
    describeState: json,
  };
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
  return {
    name: 'key-value',
    init: () => null,
    step(state, input) {
      switch (input.type) {
        case 'get':
          return { state, output: state };
        case 'put':
          return { state: input.value, output: null };
        case 'delete':
          return { state: null, output: null };
        case 'cas': {
          const matches = state === input.expected;
          return { state: matches ? input.value : state, output: matches };
        }
      }
    },
    outputEquals: (expected, actual) => expected === actual,
    // The prefix keeps null apart from the string "null".
    stateKey: (state) => (state === null ? '-' : `=${state}`),
    partition: (input) => input.key,
    describeInput(input) {
      const key = JSON.stringify(input.key);
      if (input.type === 'get') return `get(${key})`;
      if (input.type === 'delete') return `delete(${key})`;
      if (input.type === 'put') return `put(${key}, ${JSON.stringify(input.value)})`;
      return `cas(${key}, ${JSON.stringify(input.expected)}, ${JSON.stringify(input.value)})`;
    },
    describeOutput: (output) => JSON.stringify(output),
    describeState: (state) => JSON.stringify(state),
  };
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}
