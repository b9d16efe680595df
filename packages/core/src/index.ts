// Errors

export type {
  AdaptationEvent,
  AdaptationEventInput,
  AdaptationOutcome,
  AdaptationTrigger,
  VariableChange,
} from './adaptation';
export {
  ADAPTATION_OUTCOMES,
  ADAPTATION_TRIGGERS,
  adaptationEventSchema,
  variableChangeSchema,
} from './adaptation';
export type {
  AgentConfig,
  AgentConfigInput,
  AgentRole,
  AgentStatus,
  NetworkPriority,
  ResourceRequirements,
  RestartType,
  SupervisionSpec,
  SupervisionStrategy,
} from './agent-config';
export {
  AGENT_ROLES,
  AGENT_STATUSES,
  agentConfigSchema,
  NETWORK_PRIORITIES,
  RESTART_TYPES,
  resourceRequirementsSchema,
  SUPERVISION_STRATEGIES,
  supervisionSpecSchema,
} from './agent-config';
export type { AgentRef } from './agent-ref';
// Agents
export {
  agentIdSchema,
  agentRef,
  agentRefSchema,
  formatAgentRef,
  isSameAgent,
  LOCAL_NODE,
  parseAgentRef,
} from './agent-ref';
export type { Clock, ManualClock, TimerHandle } from './clock';
// Time and randomness
export { createManualClock, systemClock } from './clock';
export { combineSpaces, splitConfiguration } from './combine-spaces';
export type { OrchestrationRunOptions } from './coordinate';
export { adapt, checkOrchestrationValue, coordinate } from './coordinate';
export type {
  CoordinationEdge,
  CoordinationGraph,
  CoordinationPattern,
  EdgeType,
} from './coordination-graph';
export {
  COORDINATION_PATTERNS,
  coordinationEdgeSchema,
  EDGE_TYPES,
  neighboursOf,
  topologyEdges,
} from './coordination-graph';
export type { AgentAction, AgentDirective, CardAgentAction } from './directive';
export {
  AGENT_ACTIONS,
  agentDirectiveSchema,
  byPriority,
  CARD_AGENT_ACTIONS,
  DEFAULT_DIRECTIVE_PRIORITY,
  DEFAULT_DIRECTIVE_TIMEOUT_MS,
  directive,
} from './directive';
export type { CoreErrorCode, Issue, VarplaneErrorOptions } from './errors';
export {
  ConfigurationError,
  InvalidArgumentError,
  OrchestrationError,
  SamplingError,
  SpaceDefinitionError,
  SpaceTransitionError,
  StrategyRegistryError,
  VariableDefinitionError,
  VarplaneError,
} from './errors';
export type { AgentStats, ErrorInfo, ExitReason, RuntimeEvent, RuntimeEventType } from './events';
// Runtime events, traces, the language model port
export type {
  LanguageModel,
  LanguageModelCapabilities,
  LanguageModelMessage,
  LanguageModelRequest,
  LanguageModelResponse,
  LanguageModelStreamPart,
  LanguageModelTool,
  LanguageModelToolCall,
  LanguageModelUsage,
} from './language-model';
export {
  languageModelMessageSchema,
  languageModelRequestSchema,
  languageModelResponseSchema,
  languageModelToolCallSchema,
  languageModelToolSchema,
  languageModelUsageSchema,
} from './language-model';
export type { PerformanceMetrics, ResourcePool } from './metrics';
export {
  emptyMetrics,
  performanceMetricsSchema,
  resourcePoolSchema,
  unlimitedResourcePool,
} from './metrics';
export type { LanguageModelChoice, LanguageModelSpaceOptions, PresetOptions } from './ml-presets';
export {
  frequencyPenalty,
  languageModelSpace,
  maxTokens,
  presencePenalty,
  REASONING_STRATEGIES,
  reasoningStrategy,
  temperature,
  topP,
} from './ml-presets';
export type { CreateSpaceOptions, MultiAgentSpace } from './multi-agent-space';
// The multi-agent space
export {
  addOrchestrationVariable,
  addScalingPolicy,
  connectAgents,
  createMultiAgentSpace,
  disconnectAgents,
  findAdaptation,
  recordAdaptation,
  registerAgent,
  removeAgent,
  replaceOrchestrationVariable,
  setAgentRole,
  setAgentStatus,
  setLocalConfiguration,
  setTopology,
  setVariableValue,
  updateMetrics,
  updateResourcePool,
} from './multi-agent-space';
export type {
  AdaptationFunction,
  CoordinationFunction,
  DistributionStrategy,
  FaultTolerance,
  FaultToleranceInput,
  FaultToleranceStrategy,
  OrchestrationConstraints,
  OrchestrationOptions,
  OrchestrationResources,
  OrchestrationType,
  OrchestrationVariable,
  ResourceLimit,
  TelemetryConfig,
  VariableScope,
} from './orchestration-variable';
// Orchestration
export {
  AGGREGATIONS,
  ALERT_ACTIONS,
  adaptationRate,
  agentSelection,
  communicationTopology,
  coordinationPattern,
  custom,
  FAULT_TOLERANCE_STRATEGIES,
  limitedResource,
  ORCHESTRATION_TYPES,
  performanceThreshold,
  RESOURCE_LIMITS,
  resourceAllocation,
  VARIABLE_SCOPES,
} from './orchestration-variable';
export type { Random, RandomState } from './random';
export { createRandom } from './random';
export type {
  FaultRecoveryAction,
  FaultRecoveryConfig,
  FaultRecoveryConfigInput,
  ScalingPolicy,
  ScalingPolicyInput,
} from './scaling';
export {
  FAULT_RECOVERY_ACTIONS,
  faultRecoveryConfigSchema,
  scalingPolicySchema,
} from './scaling';
export type {
  AdaptationStrategy,
  AgentCandidate,
  AgentPort,
  AgentQuestion,
  AgentSelectionRequest,
  AgentSelectionStrategy,
  CompromiseType,
  ConflictResolutionStrategy,
  ConflictType,
  ConsensusRequest,
  ConsensusResult,
  ConsensusStrategy,
  ConsensusTally,
  CoordinationContext,
  CoordinationStrategy,
  MutationStrategy,
  NegotiationRequest,
  NegotiationResult,
  NegotiationStrategy,
  Preference,
  ResourceAllocationStrategy,
  ResourceCondition,
  ResourceGrant,
  ResourceRequest,
  Strategy,
  StrategyBase,
  StrategyByKind,
  StrategyContext,
  StrategyKind,
  TimeSlot,
  ValueConstraints,
  VariableConflict,
  VariableResolution,
  Vote,
  Voter,
} from './strategies';
// Strategy plugins
export { STRATEGY_KINDS, STRATEGY_METHODS } from './strategies';
export type { StrategyRegistry } from './strategy-registry';
export { createStrategyRegistry } from './strategy-registry';
export type { TraceRecord } from './trace';
// Variables and spaces
export type {
  BooleanVariable,
  ChoiceValue,
  ChoiceVariable,
  CompositeVariable,
  Condition,
  DemosVariable,
  FloatVariable,
  IntegerVariable,
  JsonValue,
  ModuleImplementation,
  ModuleVariable,
  OptimizationHints,
  Predicate,
  TextVariable,
  Variable,
  VariableConstraint,
  VariableKind,
  VariableOptions,
} from './variable';
export type {
  CheckResult,
  Configuration,
  Dimensionality,
  SpaceConstraint,
  VariableSpace,
  VariableSpaceOptions,
} from './variable-space';
export { createVariableSpace, MAX_SAMPLE_COUNT } from './variable-space';
export type { BooleanOptions } from './variables/boolean';
export { boolean } from './variables/boolean';
export type { ChoiceOptions } from './variables/choice';
export { choice } from './variables/choice';
export type { CompositeOptions } from './variables/composite';
export { composite } from './variables/composite';
export type { DemosOptions } from './variables/demos';
export { demos } from './variables/demos';
export type { FloatOptions } from './variables/float';
export { float } from './variables/float';
export type { IntegerOptions } from './variables/integer';
export { integer } from './variables/integer';
export type { ModuleOptions } from './variables/module';
export { module } from './variables/module';
export type { TextOptions } from './variables/text';
export { text } from './variables/text';
