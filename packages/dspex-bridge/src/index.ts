// Errors

export type {
  AgentizedProgram,
  AgentizeOptions,
  ProgramAgentMessage,
  ProgramAgentState,
  ProgramAgentStatus,
} from './agentize';
export { agentize, PROGRAM_AGENT_INTERFACES } from './agentize';
export type {
  AiSdkAdapterOptions,
  AiSdkCallOptions,
  AiSdkGenerateResult,
  AiSdkLanguageModel,
} from './ai-sdk';
export { createAiSdkLanguageModel } from './ai-sdk';
export type {
  BridgedProgram,
  BridgeSignatureOptions,
  CoordinationInterface,
  LocalOptimization,
} from './bridge-signature';
export { bridgeSignature } from './bridge-signature';
export type { CacheEntry, CacheStore, MemoryCacheStore } from './cache-store';
export { createJsonLinesCacheStore, createMemoryCacheStore } from './cache-store';
export type { ChainOfThoughtOptions } from './chain-of-thought';
export { chainOfThought } from './chain-of-thought';
export type {
  BoundPrograms,
  ComposeProgramOptions,
  ForwardContext,
  ProgramInput,
  ProgramOutput,
} from './compose-program';
export { composeProgram } from './compose-program';
export type { CostModel, CostModelOptions, ModelPrice } from './cost-model';
// Language models
export { createCostModel } from './cost-model';
export type { EnableOrchestrationOptions, OrchestratedProgram } from './enable-orchestration';
// Orchestration and the bridge
export { enableOrchestration, isOrchestrated } from './enable-orchestration';
export type { DspexErrorCode, LanguageModelErrorCode } from './errors';
export {
  DSPEX_ERROR_CODES,
  isLanguageModelError,
  LanguageModelError,
  OutputParseError,
  ReplayError,
  SignatureError,
} from './errors';
export type {
  EvaluateOptions,
  EvaluationResult,
  EvaluationStats,
  ExampleResult,
  Metric,
} from './evaluate';
export { evaluate, exactMatch } from './evaluate';
export type { Example, JsonRecord } from './example';
export { example, exampleSchema } from './example';
export type { FunctionProgramOptions } from './function-program';
export { functionProgram } from './function-program';
export type { RetryEvent, RetryOptions } from './internal/retry';
export type { LanguageModelFromEnvOptions } from './language-model-env';
export { LANGUAGE_MODEL_ENV, languageModelFromEnv } from './language-model-env';
export type { LanguageModelRegistry } from './language-model-registry';
export { createLanguageModelRegistry, isLanguageModelRegistry } from './language-model-registry';
export type { OpenAICompatibleOptions } from './openai-compatible';
export { createOpenAICompatibleLanguageModel } from './openai-compatible';
export type { PredictOptions } from './predict';
export { predict } from './predict';
export type {
  PredictWithToolsOptions,
  ToolCallRecord,
  ToolContext,
  ToolDefinition,
} from './predict-with-tools';
export { predictWithTools } from './predict-with-tools';
// Programs
export type { CallOptions, Program } from './program';
export type { PromptParts, ReplyFormat } from './prompt-format';
export {
  formatPrompt,
  formatSystemMessage,
  INPUT_FIELDS_HEADING,
  OUTPUT_FIELDS_HEADING,
} from './prompt-format';
export type {
  RecordReplayLanguageModel,
  RecordReplayMode,
  RecordReplayOptions,
  ReplayIdentity,
} from './record-replay';
export { cacheKey, createRecordReplayLanguageModel } from './record-replay';
export { extractJsonObject, parseReply } from './reply-parser';
export type { RouteBySelectionOptions } from './route-by-selection';
export { routeBySelection } from './route-by-selection';
export type { Signature, SignatureDefinition, SignatureField, SignatureOptions } from './signature';
// Signatures, examples, prompting
export { prependOutputField, signature, withInstructions } from './signature';
export type {
  SimulatedDecision,
  SimulatedLanguageModel,
  SimulatedLanguageModelOptions,
  SimulatedLatency,
  SimulatedModelProfile,
  SimulatedTask,
} from './simulated-language-model';
export { createSimulatedLanguageModel, taskFromExamples } from './simulated-language-model';
export type { ProfileLayer, ResponseFeatures, ResponseProfile } from './simulated-response-model';
export {
  DEFAULT_RESPONSE_PROFILE,
  formatErrorRate,
  keywordCoverage,
  resolveResponseProfile,
  responseAccuracy,
} from './simulated-response-model';
export type { ProgramTrace, TraceCollector, TraceSink } from './trace';
export { createTraceCollector, demosFromTraces, demosVariableId } from './trace';
export type {
  Workflow,
  WorkflowOptions,
  WorkflowResult,
  WorkflowStep,
  WorkflowTopology,
} from './workflow';
export { createWorkflow } from './workflow';
