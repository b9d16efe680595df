import type { LanguageModel } from '@varplane/core';
import { LanguageModelError } from './errors';
import {
  createOpenAICompatibleLanguageModel,
  type OpenAICompatibleOptions,
} from './openai-compatible';

/** The environment variables {@link languageModelFromEnv} reads. */
export const LANGUAGE_MODEL_ENV = {
  baseURL: 'VARPLANE_LM_BASE_URL',
  apiKey: 'VARPLANE_LM_API_KEY',
  model: 'VARPLANE_LM_MODEL',
} as const;

/** Options of {@link languageModelFromEnv}. */
export interface LanguageModelFromEnvOptions
  extends Partial<Omit<OpenAICompatibleOptions, 'baseURL' | 'model' | 'apiKey'>> {
  /** Where to read the variables (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Used when `VARPLANE_LM_BASE_URL` is unset, so a demo or a benchmark runs on a simulated
   * model when no real one is configured. Without it an unset variable is an `LM_NOT_CONFIGURED`.
   */
  readonly fallback?: () => LanguageModel;
}

/**
 * An OpenAI-compatible model configured by the environment: `VARPLANE_LM_BASE_URL` (the API root,
 * `http://localhost:11434/v1`), `VARPLANE_LM_MODEL`, and `VARPLANE_LM_API_KEY` when the server
 * needs one. Other options (timeouts, retries, costs) are passed as for
 * {@link createOpenAICompatibleLanguageModel}.
 *
 * @example
 * const lm = languageModelFromEnv({
 *   fallback: () => createSimulatedLanguageModel({ seed: 1, tasks }),
 * });
 */
export function languageModelFromEnv(options: LanguageModelFromEnvOptions = {}): LanguageModel {
  const { env = process.env, fallback, ...rest } = options;
  const baseURL = env[LANGUAGE_MODEL_ENV.baseURL]?.trim() ?? '';
  const model = env[LANGUAGE_MODEL_ENV.model]?.trim() ?? '';
  const apiKey = env[LANGUAGE_MODEL_ENV.apiKey];
  if (baseURL === '' && fallback !== undefined) return fallback();
  const missing = [
    baseURL === '' ? LANGUAGE_MODEL_ENV.baseURL : undefined,
    model === '' ? LANGUAGE_MODEL_ENV.model : undefined,
  ].filter((name) => name !== undefined);
  if (missing.length > 0) {
    throw new LanguageModelError({
      code: 'LM_NOT_CONFIGURED',
      message: `languageModelFromEnv: ${missing.join(' and ')} must be set (got an empty or missing value)`,
      provider: rest.provider ?? 'openai-compatible',
      modelId: model,
    });
  }
  return createOpenAICompatibleLanguageModel({
    ...rest,
    baseURL,
    model,
    ...(apiKey === undefined || apiKey === '' ? {} : { apiKey }),
  });
}
