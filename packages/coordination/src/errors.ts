import { type ConsensusTally, VarplaneError, type VarplaneErrorOptions } from '@varplane/core';
import { readField } from '@varplane/core/internal';

// An error is made whatever it is given (core's rule): a missing or malformed field falls back to
// an empty value instead of throwing something else.
const isString = (value: unknown) => typeof value === 'string';
const isObject = (value: unknown) => typeof value === 'object' && value !== null;

/**
 * Stable error codes of `@varplane/coordination`. Bad input is a core `InvalidArgumentError`
 * carrying one of the input codes (with `issues` that name each field path); a failed outcome is one
 * of the error classes below.
 */
export const COORDINATION_ERROR_CODES = [
  // bad input (InvalidArgumentError)
  'INVALID_ARGUMENT',
  'NEGOTIATION_EMPTY_PREFERENCES',
  'NEGOTIATION_INVALID_WEIGHT',
  'NEGOTIATION_ZERO_WEIGHT',
  'NEGOTIATION_INVALID_VALUE',
  'CONSENSUS_NO_VOTERS',
  'CONSENSUS_INVALID_WEIGHT',
  'CONSENSUS_ZERO_WEIGHT',
  'CONSENSUS_EMPTY_PROPOSAL',
  'CONSENSUS_DUPLICATE_VOTER',
  'CONSENSUS_UNKNOWN_VOTER',
  'CONFLICT_MISALIGNED',
  'RESOURCE_UNKNOWN',
  'RESOURCE_INVALID_AMOUNT',
  'RESOURCE_DUPLICATE_REQUEST',
  'HIERARCHY_UNKNOWN_SUBORDINATE',
  // outcomes
  'NEGOTIATION_INFEASIBLE',
  'NEGOTIATION_ROUND_LIMIT',
  'CONSENSUS_NO_QUORUM',
  'CONFLICT_UNRESOLVABLE',
  'HIERARCHY_UNAUTHORIZED',
  // plugins
  'STRATEGY_FAILED',
  'STRATEGY_TIMEOUT',
  'STRATEGY_INVALID_RESULT',
  'OPERATION_ABORTED',
] as const;
/** One of {@link COORDINATION_ERROR_CODES}. */
export type CoordinationErrorCode = (typeof COORDINATION_ERROR_CODES)[number];

/** Why a negotiation could not reach a value. */
export type InfeasibleReason =
  /** `min` is above `max`. */
  | 'empty_range'
  /** No allowed value satisfies `min`, `max` and `step`. */
  | 'no_allowed_value'
  /** The chosen value is not among the allowed values. */
  | 'value_not_allowed'
  /** No preferred value is allowed, so no agent can win. */
  | 'no_admissible_preference'
  /** No bid reached the auction's reserve price. */
  | 'reserve_not_met'
  /** Buyers' and sellers' prices never cross. */
  | 'no_clearing_price'
  /** No candidate leaves every agent better off than disagreement (bargaining). */
  | 'no_agreement';

/** A negotiation ended without a value (`NEGOTIATION_INFEASIBLE`, `NEGOTIATION_ROUND_LIMIT`). */
export class NegotiationError extends VarplaneError {
  readonly variableId: string | undefined;
  readonly reason: InfeasibleReason | 'round_limit';
  constructor(
    options: VarplaneErrorOptions & {
      reason: InfeasibleReason | 'round_limit';
      variableId?: string;
    },
  ) {
    super(options);
    this.name = 'NegotiationError';
    this.reason = readField(options, 'reason', isString) ?? 'no_agreement';
    this.variableId = readField(options, 'variableId', isString);
  }
}

/** Too few voters took part (`CONSENSUS_NO_QUORUM`). The tally and the absent voters say who. */
export class ConsensusError extends VarplaneError {
  readonly tally: ConsensusTally;
  readonly absent: readonly string[];
  constructor(
    options: VarplaneErrorOptions & { tally: ConsensusTally; absent: readonly string[] },
  ) {
    super(options);
    this.name = 'ConsensusError';
    this.tally = readField(options, 'tally', isObject) ?? {
      for: 0,
      against: 0,
      absent: 0,
      total: 0,
    };
    this.absent = readField(options, 'absent', Array.isArray) ?? [];
  }
}

/** A conflict has no resolution of the requested kind (`CONFLICT_UNRESOLVABLE`). */
export class ConflictResolutionError extends VarplaneError {
  readonly variableId: string;
  constructor(options: VarplaneErrorOptions & { variableId: string }) {
    super(options);
    this.name = 'ConflictResolutionError';
    this.variableId = readField(options, 'variableId', isString) ?? '';
  }
}

/** A coordinator tried to direct agents it has no authority over (`HIERARCHY_UNAUTHORIZED`). */
export class HierarchyError extends VarplaneError {
  readonly coordinator: string;
  /** The subordinates outside the coordinator's authority. */
  readonly agents: readonly string[];
  constructor(options: VarplaneErrorOptions & { coordinator: string; agents: readonly string[] }) {
    super(options);
    this.name = 'HierarchyError';
    this.coordinator = readField(options, 'coordinator', isString) ?? '';
    this.agents = readField(options, 'agents', Array.isArray) ?? [];
  }
}

/**
 * A strategy plugin threw, hung past its timeout, returned something malformed, or its caller gave
 * up (`STRATEGY_FAILED`, `STRATEGY_TIMEOUT`, `STRATEGY_INVALID_RESULT`, `OPERATION_ABORTED`).
 * `cause` holds what the plugin threw.
 */
export class StrategyExecutionError extends VarplaneError {
  /** `negotiation/vickrey`. */
  readonly strategy: string;
  constructor(options: VarplaneErrorOptions & { strategy: string }) {
    super(options);
    this.name = 'StrategyExecutionError';
    this.strategy = readField(options, 'strategy', isString) ?? '';
  }
}
