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
  return {
    name: 'append-log',
    init: () => EMPTY,
    step(state, input) {
      if (input.type === 'read') return { state, output: valuesOf(state) };
      const next: AppendLogState = {
        length: state.length + 1,
        value: input.value,
        previous: state,
        // The separator cannot occur in a JSON string, so different logs get different keys.
        key: `${state.key}\u0000${JSON.stringify(input.value)}`,
      };
      return { state: next, output: next.length };
    },
    outputEquals(expected, actual) {
      if (typeof expected === 'number' || typeof actual === 'number') return expected === actual;
      return expected.length === actual.length && expected.every((v, i) => v === actual[i]);
    },
    stateKey: (state) => state.key,
    describeInput: (input) =>
      input.type === 'read' ? 'read()' : `append(${JSON.stringify(input.value)})`,
    describeOutput: (output) => JSON.stringify(output),
    describeState: (state) => JSON.stringify(valuesOf(state)),
  };
}

function valuesOf(state: AppendLogState): string[] {
  const values = new Array<string>(state.length);
  for (
    let cell: AppendLogState | null = state;
    cell !== null && cell.length > 0;
    cell = cell.previous
  ) {
    values[cell.length - 1] = cell.value;
  }
  return values;
}
