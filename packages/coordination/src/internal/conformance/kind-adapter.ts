import type {
  AgentPort,
  Clock,
  Preference,
  Random,
  ResourceRequest,
  ValueConstraints,
  VariableConflict,
  Vote,
  Voter,
} from '@varplane/core';

/** One input for a negotiation strategy. */
export interface NegotiationCase {
  variableId: string;
  preferences: Preference[];
  constraints: ValueConstraints;
}

/** One input for a consensus strategy. */
export interface ConsensusCase {
  voters: Voter[];
  proposedChanges: Record<string, unknown>;
  votes: Vote[];
  quorum?: number;
}

/** One input for a conflict-resolution strategy. */
export interface ConflictCase {
  conflicts: VariableConflict[];
}

/** One input for a resource allocator. */
export interface ResourceCase {
  requests: ResourceRequest[];
  available: Record<string, number>;
}

/** How one run of an operation is set up. */
export interface RunSetup {
  seed: number;
  clock?: Clock;
  agents?: AgentPort;
  timeoutMs?: number;
}

/** A bad input, the code it must be refused with, and a run that feeds it to the operation. */
export interface BadInput {
  name: string;
  code: string;
}

/** What the conformance kit needs to know about one strategy kind. */
export interface KindAdapter<S, C> {
  method: string;
  generate(random: Random): C;
  /** Runs the operation of this kind with `strategy` on `input`. */
  run(strategy: S, input: C, setup: RunSetup): Promise<unknown>;
  /** Problems with an operation's result, as sentences; empty when it conforms. */
  check(input: C, result: unknown): string[];
  /** Codes a conforming strategy may end a valid input with. */
  expectedErrors: readonly string[];
  badInputs: readonly (BadInput & { run(strategy: S): Promise<unknown> })[];
}

export const options = (setup: RunSetup) => ({
  seed: setup.seed,
  ...(setup.clock === undefined ? {} : { clock: setup.clock }),
  ...(setup.agents === undefined ? {} : { agents: setup.agents }),
  ...(setup.timeoutMs === undefined ? {} : { timeoutMs: setup.timeoutMs }),
});

export const hundredths = (random: Random, lo: number, hi: number) =>
  random.int(lo * 100, hi * 100) / 100;
