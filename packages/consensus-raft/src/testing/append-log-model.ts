import { describeValue } from '@varplane/core/internal';
import { readSafely } from '../internal/read-field';
import { describeJson, invalid } from './internal/model-checks';
import type { Model } from './model';

/** An append adds a value at the end of the log; a read returns the whole log. */
export type AppendLogInput =
  | { readonly type: 'append'; readonly value: string }
  | { readonly type: 'read' };

/** An append outputs the 1-based position its value took; a read outputs the values in order. */
export type AppendLogOutput = number | readonly string[];

/**
 * The log as a persistent list: appending shares every older cell, so the search can keep the
 * states it backtracks to at O(1) each. `key` is every value joined, which V8 builds as a rope.
 */
export interface AppendLogState {
  readonly length: number;
  readonly value: string;
  readonly previous: AppendLogState | null;
  readonly key: string;
}

const EMPTY: AppendLogState = { length: 0, value: '', previous: null, key: '' };

/**
 * An append-only log, such as the committed entries of a replicated log seen by clients: appends
 * learn their position, reads see a prefix-closed, ordered list. A lost append (absent from a later
 * read), a reordering, or a read that misses an acknowledged append are all violations.
 *
 * @example
 * checkLinearizability(history, createAppendLogModel());
 */
export function createAppendLogModel(): Model<AppendLogState, AppendLogInput, AppendLogOutput> {
  // Checks are typeof tests: the checker calls these in its innermost loop.
  return {
    name: 'append-log',
    init: () => EMPTY,
    step(state, input) {
      checkState(state, 'step');
      const type = readInput(input, 'step');
      if (type === 'read')
        return {
          state,
          output: readSafely(SUBJECT, 'RAFT_INVALID_ARGUMENT', () => valuesOf(state)),
        };
      const value = readSafely(
        SUBJECT,
        'RAFT_INVALID_ARGUMENT',
        () => (input as { value?: unknown }).value,
      );
      if (typeof value !== 'string') throw invalid(SUBJECT, 'step: input.value', value, 'a string');
      const next: AppendLogState = {
        length: state.length + 1,
        value,
        previous: state,
        // The separator cannot occur in a JSON string, so different logs get different keys.
        key: `${state.key}\u0000${JSON.stringify(value)}`,
      };
      return { state: next, output: next.length };
    },
    outputEquals(expected, actual) {
      checkOutput(expected, 'outputEquals: expected');
      checkOutput(actual, 'outputEquals: actual');
      if (typeof expected === 'number' || typeof actual === 'number') return expected === actual;
      return expected.length === actual.length && expected.every((v, i) => v === actual[i]);
    },
    stateKey(state) {
      checkState(state, 'stateKey');
      return state.key;
    },
    describeInput(input) {
      try {
        if (input.type === 'read') return 'read()';
        if (input.type === 'append') return `append(${describeJson(input.value)})`;
      } catch {
        // An input that cannot be read is described as a value.
      }
      return describeValue(input);
    },
    describeOutput: (output) => describeJson(output),
    describeState(state) {
      try {
        if (isState(state)) return describeJson(valuesOf(state));
      } catch {
        // A chain of cells that cannot be read is described as a value.
      }
      return describeValue(state);
    },
  };
}

const SUBJECT = 'append-log model';

function isState(state: unknown): state is AppendLogState {
  try {
    return (
      typeof state === 'object' &&
      state !== null &&
      // An array length: a state with another `length` cannot have been made by `step`.
      Number.isSafeInteger((state as AppendLogState).length) &&
      (state as AppendLogState).length >= 0 &&
      (state as AppendLogState).length < 2 ** 32 &&
      typeof (state as AppendLogState).key === 'string'
    );
  } catch {
    // A state that cannot be read is not one.
    return false;
  }
}

function checkState(state: unknown, operation: string): asserts state is AppendLogState {
  if (!isState(state)) throw invalid(SUBJECT, `${operation}: state`, state, 'an AppendLogState');
}

function readInput(input: unknown, operation: string): 'read' | 'append' {
  let type: unknown;
  try {
    type = typeof input === 'object' && input !== null ? (input as AppendLogInput).type : undefined;
  } catch {
    // Unreadable: refused below.
  }
  if (type !== 'read' && type !== 'append')
    throw invalid(
      SUBJECT,
      `${operation}: input`,
      input,
      "{ type: 'append', value } or { type: 'read' }",
    );
  return type;
}

function checkOutput(output: unknown, path: string): asserts output is AppendLogOutput {
  if (typeof output === 'number') return;
  if (Array.isArray(output) && output.every((v) => typeof v === 'string')) return;
  throw invalid(SUBJECT, path, output, 'a length or an array of strings');
}

function valuesOf(state: AppendLogState): string[] {
  const values = new Array<string>(state.length);
  // At most `length` cells: a state whose chain loops (made by hand) cannot loop forever.
  let left = state.length;
  for (
    let cell: AppendLogState | null = state;
    cell !== null && cell.length > 0 && left-- > 0;
    cell = cell.previous
  ) {
    values[cell.length - 1] = cell.value;
  }
  return values;
}
