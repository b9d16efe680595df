import type {
  Configuration,
  JsonValue,
  LanguageModel,
  LanguageModelUsage,
  VariableSpace,
} from '@varplane/core';
import type { LanguageModelRegistry } from './language-model-registry';
import type { Signature } from './signature';
import type { TraceSink } from './trace';

/** Options of one call of a program. */
export interface CallOptions {
  /** Cancels the call and the model requests in flight. */
  readonly signal?: AbortSignal;
  /** Receives one trace per predictor call. */
  readonly trace?: TraceSink;
  /** Groups the traces of this call (default `run`). */
  readonly runId?: string;
  /** The agent making the call, recorded in traces and sent with requests (default the program's name). */
  readonly agentId?: string;
  /** Tells repeated samples of the same request apart (record/replay caches key on it). */
  readonly rolloutId?: string;
  /**
   * Sent as every model request's `seed`: a seeded model answers the same request the same way,
   * so two runs on the same seed can be compared pair by pair.
   */
  readonly seed?: number;
  /** Answers every predictor's requests in this call, in place of their own models. */
  readonly lm?: LanguageModel | LanguageModelRegistry;
  /** Values of the orchestration variables the program follows (set by the bridge). */
  readonly orchestration?: Readonly<Record<string, JsonValue>>;
  /** Told the usage of every model response (budgets meter with it). */
  readonly onUsage?: (usage: LanguageModelUsage, modelId: string) => void;
}

/**
 * A DSPy-style program: a signature, the variables it can be optimized over, and a way to call
 * it. Programs are immutable: {@link Program.withConfig} returns a configured copy.
 */
export interface Program<I = Record<string, unknown>, O = Record<string, unknown>> {
  /** `predict`, `chain_of_thought`, `composite`, `function`. */
  readonly kind: string;
  readonly name: string;
  readonly signature: Signature<I, O>;
  /** The optimizable parameters: model, temperature, maxTokens, instruction and demos per predictor. */
  readonly variables: VariableSpace;
  /** The current values of {@link Program.variables}, validated and complete. */
  readonly configuration: Configuration;
  /** The predictor paths inside (`''` for a lone predictor), in order. */
  readonly predictors: readonly string[];
  /**
   * A copy with some variables set (the rest keep their values); the original is unchanged. An
   * invalid configuration throws a `ConfigurationError` listing every bad path.
   */
  withConfig(configuration: Readonly<Record<string, unknown>>): Program<I, O>;
  /** Validates the inputs, runs the program and validates its outputs. */
  call(inputs: I, options?: CallOptions): Promise<O>;
}
