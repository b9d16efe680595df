import { describeValue } from '@varplane/core/internal';
import { RaftError } from '../errors';
import { readSafely } from '../internal/read-field';
import { type Counterexample, explainFailure } from './counterexample';
import { type Bitset, createBitset, MemoTable } from './internal/memo-table';
import { checkModel } from './internal/model-checks';
import type { Model, Operation } from './model';

/** Limits on a check; when one is reached the answer is `unknown` rather than a guess. */
export interface CheckOptions {
  /**
   * The most search steps (one step tries one operation at one point) over all partitions.
   * Default: unlimited.
   */
  readonly maxSteps?: number;
  /** The most milliseconds the check may take, measured with `now`. Default: unlimited. */
  readonly timeoutMs?: number;
  /** The clock for `timeoutMs`, in milliseconds. Default: `performance.now`. */
  readonly now?: () => number;
}

/** The verdict of {@link checkLinearizability}. */
export type LinearizabilityResult<Input, Output> =
  | {
      readonly outcome: 'linearizable';
      /** A witness: for each partition key, its operations in an order the model accepts. */
      readonly linearizations: ReadonlyMap<string, readonly Operation<Input, Output>[]>;
      readonly steps: number;
    }
  | {
      readonly outcome: 'not-linearizable';
      readonly counterexample: Counterexample<Input, Output>;
      readonly steps: number;
    }
  | {
      readonly outcome: 'unknown';
      /** Which limit stopped the search. */
      readonly reason: 'step-budget' | 'time-budget';
      /** Partition keys the search could not finish; the others are linearizable. */
      readonly undecided: readonly string[];
      readonly steps: number;
    };

// One end of an operation in the time-ordered list the search walks; a call points at its return.
interface ListNode {
  readonly op: number;
  readonly time: number;
  readonly isCall: boolean;
  match: ListNode | null;
  prev: ListNode | null;
  next: ListNode | null;
}

/** What the search found in one partition. */
type PartitionVerdict =
  | { readonly kind: 'ok'; readonly order: readonly number[] }
  | { readonly kind: 'illegal'; readonly longestPrefix: readonly number[] }
  | { readonly kind: 'budget'; readonly reason: 'step-budget' | 'time-budget' };

/**
 * Decides whether a concurrent history is linearizable against a sequential model: whether every
 * operation can be given one instant between its call and its response so that, in the order of
 * those instants, the model produces every output the history recorded.
 *
 * It is the Wing-Gong-Lowe search (try the operations that could come next in time order; undo the
 * last choice when none fits) with two refinements that make it usable on real histories:
 * P-compositionality (operations on different partition keys are checked separately) and
 * memoization of every (set of linearized operations, model state) already explored. Operations
 * whose call and response times are equal count as concurrent.
 *
 * The problem is NP-complete, so a check may take exponential time; `maxSteps` and `timeoutMs`
 * bound it, and a check stopped by one returns `unknown` with the partitions it could not decide.
 *
 * @example
 * const history = [
 *   { client: 'a', input: { type: 'put', key: 'x', value: '1' }, start: 0, end: 2, output: null },
 *   { client: 'b', input: { type: 'get', key: 'x' }, start: 1, end: 3, output: '1' },
 * ];
 * const result = checkLinearizability(history, createKeyValueModel());
 * if (result.outcome === 'not-linearizable') console.log(result.counterexample.message);
 */
export function checkLinearizability<State, Input, Output>(
  history: readonly Operation<Input, Output>[],
  model: Model<State, Input, Output>,
  options: CheckOptions = {},
): LinearizabilityResult<Input, Output> {
  // A history or model that throws when read or run (a getter, a Proxy, a model's own bug) is
  // refused with a typed error that keeps what it threw as the cause.
  return readSafely('checkLinearizability', 'RAFT_INVALID_ARGUMENT', () =>
    check(history, model, options),
  );
}

function check<State, Input, Output>(
  history: readonly Operation<Input, Output>[],
  model: Model<State, Input, Output>,
  options: CheckOptions,
): LinearizabilityResult<Input, Output> {
  validateHistory(history);
  checkModel(model, 'checkLinearizability');
  const budget = createBudget(options);
  const partitions = partitionHistory(history, model);
  const linearizations = new Map<string, readonly Operation<Input, Output>[]>();
  const undecided: string[] = [];
  let stoppedBy: 'step-budget' | 'time-budget' = 'step-budget';

  for (const [key, operations] of partitions) {
    const verdict = searchPartition(operations, model, budget);
    if (verdict.kind === 'illegal') {
      return {
        outcome: 'not-linearizable',
        counterexample: explainFailure(key, operations, verdict.longestPrefix, model),
        steps: budget.steps,
      };
    }
    if (verdict.kind === 'budget') {
      // Keep going: another partition may still prove the history illegal, which is definite.
      undecided.push(key);
      stoppedBy = verdict.reason;
      budget.extend();
      continue;
    }
    linearizations.set(
      key,
      verdict.order.map((index) => operations[index] as Operation<Input, Output>),
    );
  }
  if (undecided.length > 0) {
    return { outcome: 'unknown', reason: stoppedBy, undecided, steps: budget.steps };
  }
  return { outcome: 'linearizable', linearizations, steps: budget.steps };
}

function searchPartition<State, Input, Output>(
  operations: readonly Operation<Input, Output>[],
  model: Model<State, Input, Output>,
  budget: Budget,
): PartitionVerdict {
  const head = buildList(operations);
  const linearized: Bitset = createBitset(operations.length);
  const memo = new MemoTable();
  // The choices made so far, each with the state before it, to backtrack to.
  const choices: { node: ListNode; stateBefore: State }[] = [];
  let longestPrefix: number[] = [];
  let state = model.init();
  let node = head.next;

  while (head.next !== null && node !== null) {
    const exhausted = budget.spend();
    if (exhausted !== null) return { kind: 'budget', reason: exhausted };
    if (node.isCall) {
      const op = operations[node.op] as Operation<Input, Output>;
      const result = model.step(state, op.input);
      const fits = op.end === null || model.outputEquals(result.output, op.output);
      if (fits) {
        linearized.set(node.op);
        if (memo.addIfNew(linearized, model.stateKey(result.state))) {
          choices.push({ node, stateBefore: state });
          state = result.state;
          lift(node);
          if (choices.length > longestPrefix.length) {
            longestPrefix = choices.map((choice) => choice.node.op);
          }
          node = head.next;
          continue;
        }
        linearized.clear(node.op);
      }
      node = node.next;
    } else {
      // A response came before any remaining operation could be placed: undo the last choice.
      const last = choices.pop();
      if (last === undefined) return { kind: 'illegal', longestPrefix };
      state = last.stateBefore;
      linearized.clear(last.node.op);
      unlift(last.node);
      node = last.node.next;
    }
  }
  return { kind: 'ok', order: choices.map((choice) => choice.node.op) };
}

// A time-ordered doubly linked list of calls and returns behind a sentinel head. A pending
// operation returns at +Infinity: after everything, so it may be placed last (or, in effect, never).
function buildList<Input, Output>(operations: readonly Operation<Input, Output>[]): ListNode {
  const nodes: ListNode[] = [];
  operations.forEach((op, index) => {
    const call: ListNode = {
      op: index,
      time: op.start,
      isCall: true,
      match: null,
      prev: null,
      next: null,
    };
    const ret: ListNode = {
      op: index,
      time: op.end ?? Number.POSITIVE_INFINITY,
      isCall: false,
      match: null,
      prev: null,
      next: null,
    };
    call.match = ret;
    nodes.push(call, ret);
  });
  // At equal times calls go first, so touching operations overlap; ties keep history order.
  nodes.sort(
    (a, b) => a.time - b.time || (a.isCall === b.isCall ? a.op - b.op : a.isCall ? -1 : 1),
  );
  const head: ListNode = {
    op: -1,
    time: Number.NEGATIVE_INFINITY,
    isCall: false,
    match: null,
    prev: null,
    next: null,
  };
  let previous = head;
  for (const current of nodes) {
    previous.next = current;
    current.prev = previous;
    previous = current;
  }
  return head;
}

// Takes a call and its return out of the list: the operation is placed.
function lift(call: ListNode): void {
  unlink(call);
  unlink(call.match as ListNode);
}

// Puts them back, in the reverse order of lift so the neighbours' links are the ones they had.
function unlift(call: ListNode): void {
  relink(call.match as ListNode);
  relink(call);
}

function unlink(node: ListNode): void {
  (node.prev as ListNode).next = node.next;
  if (node.next !== null) node.next.prev = node.prev;
}

function relink(node: ListNode): void {
  (node.prev as ListNode).next = node;
  if (node.next !== null) node.next.prev = node;
}

function partitionHistory<State, Input, Output>(
  history: readonly Operation<Input, Output>[],
  model: Model<State, Input, Output>,
): Map<string, Operation<Input, Output>[]> {
  const partitions = new Map<string, Operation<Input, Output>[]>();
  for (const op of history) {
    const key = model.partition === undefined ? '' : model.partition(op.input);
    const list = partitions.get(key);
    if (list === undefined) partitions.set(key, [op]);
    else list.push(op);
  }
  return partitions;
}

interface Budget {
  steps: number;
  /** Counts one step; returns the limit reached, if one was. */
  spend(): 'step-budget' | 'time-budget' | null;
  /** After a partition ran out of steps, lets the next one have the same allowance again. */
  extend(): void;
}

function createBudget(options: CheckOptions): Budget {
  if (typeof options !== 'object' || options === null)
    throw invalid('options', options, 'an object');
  if (options.now !== undefined && typeof options.now !== 'function')
    throw invalid('options.now', options.now, 'a function');
  const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  const now = options.now ?? (() => performance.now());
  if (typeof maxSteps !== 'number' || !(maxSteps > 0))
    throw invalid('options.maxSteps', options.maxSteps, 'a positive number');
  if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))
    throw invalid('options.timeoutMs', options.timeoutMs, 'a number >= 0');
  const deadline = Number.isFinite(timeoutMs) ? now() + timeoutMs : Number.POSITIVE_INFINITY;
  let stepLimit = maxSteps;
  return {
    steps: 0,
    spend() {
      this.steps += 1;
      if (this.steps > stepLimit) return 'step-budget';
      // Reading the clock costs more than a step, so look at it every 256 steps.
      if ((this.steps & 255) === 0 && now() >= deadline) return 'time-budget';
      return null;
    },
    extend() {
      stepLimit = this.steps + maxSteps;
    },
  };
}

function validateHistory(history: readonly unknown[]): void {
  if (!Array.isArray(history)) throw invalid('history', history, 'an array of operations');
  history.forEach((value, index) => {
    const op = value as Record<string, unknown> | null;
    const path = `history[${index}]`;
    if (typeof op !== 'object' || op === null) throw invalid(path, value, 'an operation object');
    if (typeof op.client !== 'string') throw invalid(`${path}.client`, op.client, 'a string');
    if (typeof op.start !== 'number' || Number.isNaN(op.start)) {
      throw invalid(`${path}.start`, op.start, 'a number');
    }
    if (op.end !== null && (typeof op.end !== 'number' || !(op.end >= op.start))) {
      throw invalid(`${path}.end`, op.end, `null or a number >= start (${op.start})`);
    }
    if (op.end !== null && !('output' in op)) {
      throw invalid(`${path}.output`, undefined, 'present on a completed operation');
    }
  });
}

function invalid(path: string, value: unknown, expected: string): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_ARGUMENT',
    message: `checkLinearizability: ${path} must be ${expected}, got ${describeValue(value)}`,
  });
}
