// Operations

// Helpers for plugin authors
export type { AskOutcome } from './ask-agents';
export { askAgent, askAgents } from './ask-agents';
export type { CompromiseOptions } from './compromise-resolution';
export { createCompromiseResolution } from './compromise-resolution';
export type {
  CoordinateResourcesOptions,
  ResourceAllocation,
  Shortfall,
} from './coordinate-resources';
export { coordinateResources, resourceRequestSchema } from './coordinate-resources';
// Registry of built-ins
export {
  builtinStrategies,
  createCoordinationRegistry,
  registerBuiltinStrategies,
} from './coordination-registry';
export type { DominantResourceFairnessOptions } from './dominant-resource-fairness';
export { createDominantResourceFairness, dominantShares } from './dominant-resource-fairness';
export type { DutchAuctionOptions } from './dutch-auction';
export { createDutchAuction } from './dutch-auction';
export type { EnglishAuctionOptions } from './english-auction';
export { createEnglishAuction } from './english-auction';
// Errors
export type { CoordinationErrorCode, InfeasibleReason } from './errors';
export {
  COORDINATION_ERROR_CODES,
  ConflictResolutionError,
  ConsensusError,
  HierarchyError,
  NegotiationError,
  StrategyExecutionError,
} from './errors';
export type {
  BallotEvent,
  ConsensusOutcome,
  EstablishConsensusOptions,
} from './establish-consensus';
export { establishConsensus } from './establish-consensus';
export type { FirstPriceAuctionOptions } from './first-price-auction';
export { createFirstPriceAuction } from './first-price-auction';
export type { GeneticNegotiationOptions } from './genetic-negotiation';
export { createGeneticNegotiation } from './genetic-negotiation';
export type { GrantConditionPolicy } from './grant-conditions';
export { attachConditions } from './grant-conditions';
export type { CoordinationPlan, PlanStep } from './hierarchical-coordination';
export { hierarchicalCoordination } from './hierarchical-coordination';
export type {
  HierarchicalDecisionInput,
  HierarchicalNegotiationOptions,
} from './hierarchical-negotiation';
export { createHierarchicalNegotiation } from './hierarchical-negotiation';
export type { AuctionOptions, TieBreak } from './internal/bids';
export type { OperationOptions } from './internal/operation-options';
export type { LeaderElectionOptions } from './leader-election';
export { createLeaderElection } from './leader-election';
export type { MarketBasedOptions } from './market-based-negotiation';
export { createMarketBasedNegotiation } from './market-based-negotiation';
export type { MaxMinFairnessOptions } from './max-min-fairness-allocator';
export { createMaxMinFairnessAllocator } from './max-min-fairness-allocator';
export type { NegotiateOptions, NegotiationOutcome } from './negotiate-value';
export { isPreference, negotiateValue, preferenceSchema } from './negotiate-value';
// Resource allocators
export type { PriorityAllocatorOptions } from './priority-allocator';
export { createPriorityAllocator } from './priority-allocator';
// Conflict resolution strategies
export type { PriorityResolutionOptions } from './priority-resolution';
export { createPriorityResolution } from './priority-resolution';
export type { ProportionalShareOptions } from './proportional-share-allocator';
export { createProportionalShareAllocator } from './proportional-share-allocator';
export type { QuorumConsensusOptions } from './quorum-consensus';
export { createQuorumConsensus } from './quorum-consensus';
export type { ResolveConflictsOptions } from './resolve-conflicts';
export { resolveConflicts, variableConflictSchema } from './resolve-conflicts';
// Consensus strategies
export type { SimpleMajorityOptions } from './simple-majority';
export { createSimpleMajority } from './simple-majority';
export type { UnanimousOptions } from './unanimous-consensus';
export { createUnanimous } from './unanimous-consensus';
export {
  assertFeasible,
  constrainValue,
  isAdmissible,
  satisfiesConstraints,
  valueConstraintsSchema,
} from './value-constraints';
export type { VickreyAuctionOptions } from './vickrey-auction';
export { createVickreyAuction } from './vickrey-auction';
export type { VotingResolutionOptions } from './voting-resolution';
export { createVotingResolution } from './voting-resolution';
// Negotiation strategies
export type { WeightedConsensusOptions } from './weighted-consensus';
export { createWeightedConsensus } from './weighted-consensus';
export type { WeightedVotingOptions } from './weighted-voting';
export { createWeightedVoting } from './weighted-voting';
