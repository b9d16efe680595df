import type { Clock } from './clock';
import type { AgentDirective } from './directive';
import type { PerformanceMetrics } from './metrics';
import type { OrchestrationVariable } from './orchestration-variable';
import type { Random } from './random';
import type { Configuration, VariableSpace } from './variable-space';

/** Every kind of strategy plugin varplane looks up by name. */
export const STRATEGY_KINDS = [
  'negotiation',
  'consensus',
  'conflict-resolution',
  'resource-allocation',
  'agent-selection',
  'coordination',
  'adaptation',
  'mutation',
] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/** What every strategy plugin carries. `specificationVersion` lets core evolve the interfaces. */
export interface StrategyBase<K extends StrategyKind> {
  readonly kind: K;
  /** Unique within its kind: `weighted_consensus`, `vickrey`, `raft`. */
  readonly name: string;
  readonly specificationVersion: 'v1';
  readonly description?: string;
}

/** What a running strategy may use. Everything random or timed goes through it, so runs replay. */
export interface StrategyContext {
  readonly random: Random;
  readonly clock: Clock;
  /** Fires when the caller gives up (timeout or cancel); a long strategy should stop promptly. */
  readonly signal: AbortSignal;
  /** Asks live agents for input. Absent when a strategy runs on plain preference lists. */
  readonly agents?: AgentPort;
}

/** A question a strategy puts to a live agent. */
export type AgentQuestion =
  | {
      type: 'preference';
      variableId: string;
      constraints: ValueConstraints;
      /** What others want, when the agent decides for them (a coordinator over subordinates). */
      preferences?: readonly { agent: string; value: unknown; weight: number }[];
    }
  | { type: 'utility'; variableId: string; value: unknown }
  | { type: 'bid'; item: string; round: number; askingPrice?: number }
  | { type: 'vote'; proposalId: string; changes: Readonly<Record<string, unknown>> };

/**
 * The port through which strategies ask live agents (a running space implements it with `call`).
 * `ask` rejects with a typed timeout error when the agent does not answer within `timeout` ms.
 */
export interface AgentPort {
  ask(agentId: string, question: AgentQuestion, options: { timeout: number }): Promise<unknown>;
}

// ---------------------------------------------------------------------------------------------
// Negotiation

/** Bounds every negotiated value must satisfy. */
export interface ValueConstraints {
  min?: number;
  max?: number;
  /** Numbers are multiples of `step` counted from `min` (or from 0 without a min). */
  step?: number;
  /** The value must be one of these. */
  allowed?: readonly unknown[];
}

/** One agent's wish for a variable's value, of type `T`. */
export interface Preference<T = unknown> {
  agent: string;
  value: T;
  /** Relative importance, >= 0. */
  weight: number;
  /** How much the agent likes any value, for strategies that search (genetic, bargaining). */
  utility?(value: T): number;
  /** Most the agent would pay, for auctions (defaults to `weight`). */
  budget?: number;
  /** `buy` or `sell`, for market-based strategies. */
  side?: 'buy' | 'sell';
}

export interface NegotiationRequest {
  variableId: string;
  preferences: readonly Preference[];
  constraints: ValueConstraints;
}

export interface NegotiationResult {
  value: unknown;
  /** The agent whose preference won, for strategies with a winner (auctions, hierarchy). */
  winner?: string;
  /** The price paid, for auctions and markets. */
  price?: number;
  rounds?: number;
  /** One sentence on how the value was reached. */
  rationale: string;
}

export interface NegotiationStrategy extends StrategyBase<'negotiation'> {
  negotiate(
    request: NegotiationRequest,
    context: StrategyContext,
  ): NegotiationResult | Promise<NegotiationResult>;
}

// ---------------------------------------------------------------------------------------------
// Consensus

export interface Voter {
  id: string;
  weight: number;
}

export interface Vote {
  agent: string;
  approve: boolean;
  /** Per-change approval when a voter accepts some changes and not others. */
  changes?: Readonly<Record<string, boolean>>;
}

export interface ConsensusRequest {
  proposalId: string;
  voters: readonly Voter[];
  proposedChanges: Readonly<Record<string, unknown>>;
  /** Votes already cast; strategies that need more ask through `context.agents`. */
  votes: readonly Vote[];
  /** Voters that did not answer in time. */
  absent: readonly string[];
  /** Share of the total weight that must take part, in (0, 1]. */
  quorum?: number;
}

export interface ConsensusTally {
  for: number;
  against: number;
  absent: number;
  total: number;
}

export interface ConsensusResult {
  accepted: Readonly<Record<string, unknown>>;
  rejected: readonly string[];
  tally: ConsensusTally;
  absent: readonly string[];
  /** Position in a replicated log, for strategies that keep one (raft). */
  index?: number;
}

export interface ConsensusStrategy extends StrategyBase<'consensus'> {
  decide(
    request: ConsensusRequest,
    context: StrategyContext,
  ): ConsensusResult | Promise<ConsensusResult>;
}

// ---------------------------------------------------------------------------------------------
// Conflicts

export type ConflictType = 'value_incompatible' | 'resource_competition' | 'temporal_constraint';
export type CompromiseType =
  | 'weighted_average'
  | 'time_sharing'
  | 'priority_override'
  | 'alternative_solution';

export interface VariableConflict {
  variableId: string;
  conflictingAgents: readonly string[];
  /** Aligned with `conflictingAgents`. */
  requestedValues: readonly unknown[];
  conflictType: ConflictType;
  /** Higher wins, for priority-based resolution. Aligned with `conflictingAgents`. */
  priorities?: readonly number[];
  weights?: readonly number[];
  /** Values acceptable to everyone, for `alternative_solution`. */
  alternatives?: readonly unknown[];
}

/** One slot of a time-sharing schedule. */
export interface TimeSlot {
  agent: string;
  value: unknown;
  start: number;
  duration: number;
}

export interface VariableResolution {
  variableId: string;
  resolvedValue: unknown;
  compromiseType: CompromiseType;
  affectedAgents: readonly string[];
  /** For `time_sharing`: who holds the variable when. */
  schedule?: readonly TimeSlot[];
}

export interface ConflictResolutionStrategy extends StrategyBase<'conflict-resolution'> {
  resolve(
    conflicts: readonly VariableConflict[],
    context: StrategyContext,
  ): readonly VariableResolution[] | Promise<readonly VariableResolution[]>;
}

// ---------------------------------------------------------------------------------------------
// Resources

export interface ResourceRequest {
  agent: string;
  resourceType: string;
  amount: number;
  priority: number;
  /** Milliseconds, or held until released. */
  duration: number | 'indefinite';
}

export type ResourceCondition =
  | { type: 'release_on_idle'; afterMs: number }
  | { type: 'share_with'; agent: string }
  | { type: 'priority_preemption'; priority: number };

export interface ResourceGrant {
  agent: string;
  resourceType: string;
  grantedAmount: number;
  grantDuration: number | 'indefinite';
  conditions: readonly ResourceCondition[];
}

export interface ResourceAllocationStrategy extends StrategyBase<'resource-allocation'> {
  allocate(
    requests: readonly ResourceRequest[],
    available: Readonly<Record<string, number>>,
    context: StrategyContext,
  ): readonly ResourceGrant[] | Promise<readonly ResourceGrant[]>;
}

// ---------------------------------------------------------------------------------------------
// Agents, coordination, adaptation, mutation

export interface AgentCandidate {
  id: string;
  capabilities: readonly string[];
  /** Recent performance in [0, 1], when known. */
  performance?: number;
  load?: number;
}

export interface AgentSelectionRequest {
  candidates: readonly AgentCandidate[];
  count: number;
  task?: unknown;
}

export interface AgentSelectionStrategy extends StrategyBase<'agent-selection'> {
  select(
    request: AgentSelectionRequest,
    context: StrategyContext,
  ): readonly string[] | Promise<readonly string[]>;
}

/** What coordination sees of the team it coordinates. */
export interface CoordinationContext {
  /** Every agent the variable may affect, with its current status. */
  agents: Readonly<Record<string, { status: string; role: string }>>;
  metrics?: PerformanceMetrics;
  /** Value before this change, when there was one. */
  previousValue?: unknown;
}

export interface CoordinationStrategy extends StrategyBase<'coordination'> {
  coordinate(
    variable: OrchestrationVariable,
    value: unknown,
    context: CoordinationContext,
    strategyContext: StrategyContext,
  ): readonly AgentDirective[] | Promise<readonly AgentDirective[]>;
}

export interface AdaptationStrategy extends StrategyBase<'adaptation'> {
  adapt(
    variable: OrchestrationVariable,
    metrics: PerformanceMetrics,
    context: StrategyContext,
  ): OrchestrationVariable | Promise<OrchestrationVariable>;
}

export interface MutationStrategy extends StrategyBase<'mutation'> {
  /** Returns a neighbour of `configuration` in `space`; `strength` in [0, 1] scales the step. */
  mutate(
    space: VariableSpace,
    configuration: Configuration,
    strength: number,
    context: StrategyContext,
  ): Configuration | Promise<Configuration>;
}

/** Maps each kind to its interface. */
export interface StrategyByKind {
  negotiation: NegotiationStrategy;
  consensus: ConsensusStrategy;
  'conflict-resolution': ConflictResolutionStrategy;
  'resource-allocation': ResourceAllocationStrategy;
  'agent-selection': AgentSelectionStrategy;
  coordination: CoordinationStrategy;
  adaptation: AdaptationStrategy;
  mutation: MutationStrategy;
}

export type Strategy = StrategyByKind[StrategyKind];

/** The method each kind must have; the registry checks it when a strategy is registered. */
export const STRATEGY_METHODS: Readonly<Record<StrategyKind, string>> = {
  negotiation: 'negotiate',
  consensus: 'decide',
  'conflict-resolution': 'resolve',
  'resource-allocation': 'allocate',
  'agent-selection': 'select',
  coordination: 'coordinate',
  adaptation: 'adapt',
  mutation: 'mutate',
};
