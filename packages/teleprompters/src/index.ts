// Team spaces and configurations
export { applyTeamConfig, validateTeamValues } from './apply-team-config';
export type { BeaconOptions } from './beacon';
export { beacon } from './beacon';
export type { BootstrapFewShotOptions } from './bootstrap-few-shot';
export { bootstrapFewShot } from './bootstrap-few-shot';
// Optimizers
export type { Budget, BudgetUsage } from './budget';
export { budgetSchema } from './budget';
// Checkpoints
export type {
  Checkpoint,
  CheckpointLmCall,
  CheckpointRun,
  CheckpointStore,
  MemoryCheckpointStore,
} from './checkpoint';
export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  createFileCheckpointStore,
  createMemoryCheckpointStore,
} from './checkpoint';
// Errors
export type { TelepromptersErrorCode } from './errors';
export {
  CheckpointError,
  OptimizationAbortedError,
  OptimizerInputError,
  TeamConfigError,
  TeamRunnerError,
} from './errors';
// Team evaluation
export type {
  AgentCredit,
  TeamPerformanceOptions,
  TeamPerformanceResult,
} from './evaluate-team-performance';
export { evaluateTeamPerformance } from './evaluate-team-performance';
export type { DemoBuilder } from './internal/demos';
export { defaultDemoBuilder } from './internal/demos';
export type { CommonOptimizerOptions } from './internal/optimizer';
export type {
  OptimizationResult,
  OptimizerName,
  OptimizerRun,
  TrialSummary,
} from './optimization-result';
export type { ProgressEvent, StopReason, TrialPurpose } from './progress';
export { CONSTANT_SCORE_TRIALS } from './progress';
export type { RandomSearchOptions } from './random-search';
export { randomSearch } from './random-search';
// Running real teams
export type {
  RunTraceSink,
  RuntimeTaskContext,
  RuntimeTeamRunnerOptions,
} from './runtime-team-runner';
export { createRunTraceSink, createRuntimeTeamRunner } from './runtime-team-runner';
export type { SimbaOptions, SimbaStrategyName } from './simba';
export { SIMBA_STRATEGIES, simba } from './simba';
export type { TeamConfig, ValueOrigin } from './team-config';
export {
  checkTeamConfig,
  isTeamConfig,
  parseTeamConfig,
  serializeTeamConfig,
  TEAM_CONFIG_FORMAT,
  TEAM_CONFIG_VERSION,
  teamConfigSchema,
} from './team-config';
// The evaluation port
export type { TeamExample } from './team-example';
export { teamExampleSchema } from './team-example';
export type { TeamMutationName } from './team-mutations';
export {
  createAgentSelectionMutation,
  createParameterMutation,
  createResourceReallocationMutation,
  createTeamMutations,
  createTopologyMutation,
} from './team-mutations';
export type {
  RunLimits,
  TeamMetric,
  TeamRunner,
  TeamRunRequest,
  TeamRunResult,
} from './team-runner';
export type {
  TeamSpace,
  TeamSpaceOptions,
  TeamVariableLocation,
} from './team-space';
export {
  AGENT_TAG,
  agentTag,
  createTeamSpace,
  ORCHESTRATION_TAG,
  orchestrationTypeTag,
} from './team-space';
export type { TpeObservation, TpeOptions, TpeSampler } from './tpe';
export { createTpeSampler } from './tpe';
