/**
 * What the linearizability checker needs to know about the object a history ran against: a
 * sequential specification, deterministic, plus the hooks that make the search fast and its
 * counterexamples readable.
 */
export interface Model<State, Input, Output> {
  /** A short name, used in messages. */
  readonly name: string;
  /** The state before any operation. */
  init(): State;
  /**
   * Applies one operation to a state and returns the new state and the output a correct object
   * gives. It must not mutate `state`: the search keeps old states to backtrack to.
   */
  step(state: State, input: Input): { readonly state: State; readonly output: Output };
  /** Whether the output the object gave is the one the specification gives. */
  outputEquals(expected: Output, actual: Output): boolean;
  /**
   * A string equal for equal states and different for different ones. The search remembers each
   * (set of operations linearized, state) it has explored by it and never explores one twice.
   */
  stateKey(state: State): string;
  /**
   * P-compositionality: operations with different keys touch independent parts of the state (the
   * keys of a map), so each part is checked on its own, which is exponentially cheaper. Omit it
   * when every operation may touch every part.
   */
  partition?(input: Input): string;
  /** Renders an operation's input for messages, `put("x", "1")`. */
  describeInput(input: Input): string;
  /** Renders an output for messages. */
  describeOutput(output: Output): string;
  /** Renders a state for messages. */
  describeState(state: State): string;
}

/**
 * One operation of a concurrent history: a client called it at `start` and got `output` back at
 * `end`. Times are numbers on one clock shared by every client (a monotonic clock in one process,
 * or a simulation's step counter).
 *
 * An operation whose response never came (the client crashed, or timed out) has `end: null`: it
 * may have taken effect at any moment after `start`, or never, and its output is not checked.
 * Record an operation that failed with a definite error (the object refused it) as not having
 * happened at all, and one that failed with an unknown outcome (a timeout) as pending.
 */
export type Operation<Input, Output> =
  | {
      readonly client: string;
      readonly input: Input;
      readonly start: number;
      readonly end: number;
      readonly output: Output;
    }
  | {
      readonly client: string;
      readonly input: Input;
      readonly start: number;
      readonly end: null;
    };
