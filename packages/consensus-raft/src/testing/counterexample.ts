import { readSafely } from '../internal/read-field';
import { checkModel, invalid, objectOf } from './internal/model-checks';
import type { Model, Operation } from './model';

/** An operation that could have come next after the longest prefix, and why it did not. */
export interface BlockedOperation<Input, Output> {
  readonly operation: Operation<Input, Output>;
  /** The output the model gives for it in the prefix's state. */
  readonly expected: Output;
  /**
   * `wrong-output`: the history recorded a different output than the model gives at that point.
   * `dead-end`: its output fits, but no order of the operations left after it does.
   */
  readonly reason: 'wrong-output' | 'dead-end';
}

/**
 * Why a history is not linearizable, in the one partition that is not: the longest run of its
 * operations the search could place in a legal order, the model's state after them, and the
 * operations that could have come next (every one of them fails).
 */
export interface Counterexample<Input, Output> {
  /** The partition key ('' for a model without partitions). */
  readonly partition: string;
  /** The partition's operations, in the order the history gave them. */
  readonly operations: readonly Operation<Input, Output>[];
  /** The longest legal order the search found, from the start. */
  readonly longestPrefix: readonly Operation<Input, Output>[];
  /** The model state after `longestPrefix`, as the model describes it. */
  readonly stateAfterPrefix: string;
  readonly blocked: readonly BlockedOperation<Input, Output>[];
  /** All of the above as text, for a test failure. */
  readonly message: string;
}

export function explainFailure<State, Input, Output>(
  partition: string,
  operations: readonly Operation<Input, Output>[],
  prefixIndexes: readonly number[],
  model: Model<State, Input, Output>,
): Counterexample<Input, Output> {
  const longestPrefix = prefixIndexes.map((index) => operations[index] as Operation<Input, Output>);
  let state = model.init();
  for (const op of longestPrefix) state = model.step(state, op.input).state;

  const placed = new Set(prefixIndexes);
  const remaining = operations.filter((_, index) => !placed.has(index));
  // Whatever comes next must take effect before the earliest response still outstanding.
  const deadline = Math.min(...remaining.map((op) => op.end ?? Number.POSITIVE_INFINITY));
  const blocked = remaining
    .filter((op) => op.start <= deadline)
    .map((operation): BlockedOperation<Input, Output> => {
      const expected = model.step(state, operation.input).output;
      const fits = operation.end === null || model.outputEquals(expected, operation.output);
      return { operation, expected, reason: fits ? 'dead-end' : 'wrong-output' };
    });

  const lines = [
    `history is not linearizable against the ${model.name} model` +
      (partition === '' ? '' : ` (partition ${JSON.stringify(partition)})`) +
      `: at most ${longestPrefix.length} of its ${operations.length} operations can be placed in order`,
    'longest legal order found:',
    ...(longestPrefix.length === 0
      ? ['  (none)']
      : longestPrefix.map((op, i) => `  ${i + 1}. ${describeOperation(op, model)}`)),
    `model state after it: ${model.describeState(state)}`,
    'operations that could come next, none of which leads to a legal order:',
    ...blocked.map(
      (entry) =>
        `  ${describeOperation(entry.operation, model)}  ` +
        (entry.reason === 'wrong-output'
          ? `the model gives ${model.describeOutput(entry.expected)}`
          : 'fits, but no order of the rest follows it'),
    ),
  ];
  return {
    partition,
    operations,
    longestPrefix,
    stateAfterPrefix: model.describeState(state),
    blocked,
    message: lines.join('\n'),
  };
}

/** `[client] input -> output @ start..end`, for messages. */
export function describeOperation<State, Input, Output>(
  op: Operation<Input, Output>,
  model: Model<State, Input, Output>,
): string {
  return readSafely('describeOperation', 'RAFT_INVALID_ARGUMENT', () => {
    checkModel(model, 'describeOperation');
    const { client, input, start, end } = objectOf(op, 'describeOperation', 'op');
    if (typeof client !== 'string')
      throw invalid('describeOperation', 'op.client', client, 'a string');
    if (typeof start !== 'number')
      throw invalid('describeOperation', 'op.start', start, 'a number');
    if (end !== null && typeof end !== 'number')
      throw invalid('describeOperation', 'op.end', end, 'a number or null');
    const output =
      end === null ? '(no response)' : model.describeOutput((op as { output: Output }).output);
    return `[${client}] ${model.describeInput(input as Input)} -> ${output} @ ${start}..${end ?? ''}`;
  });
}
