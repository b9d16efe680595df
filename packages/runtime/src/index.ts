// Actors

export type {
  ActorSystem,
  ActorSystemOptions,
  AgentInfo,
  CallOutcome,
  RemoteTransport,
  ReplyAddress,
  StopOptions,
} from './actor-system';
export { createActorSystem } from './actor-system';
export type { BackoffOptions, BackoffOptionsInput } from './backoff';
export { backoffDelay, backoffOptionsSchema } from './backoff';
export type {
  AgentContext,
  AnyBehaviour,
  Behaviour,
  CallOptions,
  ExitMessage,
  MailboxOptions,
  Replier,
  ResourceNeeds,
  SendOptions,
  SpawnOptions,
} from './behaviour';
export { checkBehaviour } from './behaviour';
export type { ChildSpec, ShutdownTimeout, SupervisorOptions } from './child-spec';
export type { RuntimeErrorCode } from './errors';
// Errors
export {
  AgentAlreadyExistsError,
  AgentCrashedError,
  AgentNotFoundError,
  AgentNotRunningError,
  BudgetExhaustedError,
  CallError,
  CallTimeoutError,
  ClusterRequiredError,
  CodeChangeError,
  ConstraintViolationError,
  DirectiveError,
  MailboxFullError,
  MigrationError,
  NameTakenError,
  RestartIntensityExceededError,
  SpaceNotRunningError,
  SpaceOperationError,
  SpaceValidationError,
  StepTimeoutError,
  SupervisionError,
  SystemStoppedError,
} from './errors';
export { failureInfo } from './fault-recovery';
export type { GrantBook, GrantOutcome, HeldGrant } from './grant-book';
export type { AgentRunStatus } from './internal/cell';
export type { LiveTopology } from './live-topology';
export { createLiveTopology } from './live-topology';
export type { AdoptOptions, AgentSnapshot, SnapshotMessage } from './migration';
export type { NameRegistry, NameResolver } from './registry';
export { createNameRegistry, NameResolverError, withNameResolver } from './registry';
export type { Exhaustion, Holding, ResourceLedger } from './resource-ledger';
// Resources
export { createResourceLedger, observeLedger } from './resource-ledger';
export type { Decider, Decision, DecisionRule, ErrorMatch } from './restart-decisions';
export {
  createDecider,
  DECISIONS,
  DEFAULT_DECISION_RULES,
  defaultDecider,
  matchesError,
} from './restart-decisions';
export type { RestartWindow } from './restart-intensity';
export { createRestartWindow, recordRestart } from './restart-intensity';
export type { Router, RouterKind } from './router';
export { createRouter } from './router';
export type {
  DispatchOptions,
  MigrateHandler,
  MigrateRequest,
  PerformanceMeasure,
  RunningSpace,
  StartSpaceOptions,
} from './running-space';

// The running space
export { startSpace, teamHealth } from './running-space';
export type { DirectiveMessage, OrchestrationMessage, SpaceAgentArgs } from './space-agent';
export { agentChildSpec, recoveryAction, recoveryDecider } from './space-agent';
export type { ScalingMetric } from './space-validation';
export { SCALING_METRICS, validateSpace } from './space-validation';
export type { SupervisionNode } from './supervision-tree';
export type { SupervisorCommand, SupervisorState } from './supervisor';
// Supervision
export { createSupervisor } from './supervisor';
export type { SupervisorHandle } from './supervisor-handle';
export { startSupervisor } from './supervisor-handle';
