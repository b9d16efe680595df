import type { LanguageModel } from '@varplane/core';
import { z } from 'zod';
import { LanguageModelError } from './errors';
import { callBack } from './internal/callback';
import { invalidArgument, parseOptions } from './internal/parse-options';
import {
  createOpenAICompatibleLanguageModel,
  type OpenAICompatibleOptions,
} from './openai-compatible';

function isModel(value: unknown): value is LanguageModel {
  try {
    return typeof (value as LanguageModel | null)?.generate === 'function';
  } catch {
    return false;
  }
}

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
const envOptionsSchema = z.looseObject({
  env: z.record(z.string(), z.string().optional()).optional(),
  fallback: z
    .custom<() => LanguageModel>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

export function languageModelFromEnv(options: LanguageModelFromEnvOptions = {}): LanguageModel {
  // The adapter's own options are checked by the adapter; these two are this function's.
  const {
    env = process.env,
    fallback,
    ...rest
  } = parseOptions(
    envOptionsSchema,
    options,
    'languageModelFromEnv',
  ) as LanguageModelFromEnvOptions;
  const baseURL = env[LANGUAGE_MODEL_ENV.baseURL]?.trim() ?? '';
  const model = env[LANGUAGE_MODEL_ENV.model]?.trim() ?? '';
  const apiKey = env[LANGUAGE_MODEL_ENV.apiKey];
  if (baseURL === '' && fallback !== undefined) {
    const model = callBack('languageModelFromEnv', 'fallback', fallback);
    if (!isModel(model))
      invalidArgument('languageModelFromEnv', 'fallback', 'must return a LanguageModel', model);
    return model;
  }
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
