import type { Clock, Random } from '@varplane/core';
import { z } from 'zod';
import type { CostModel } from '../cost-model';
import { LanguageModelError, type LanguageModelErrorCode } from '../errors';
import { redactCause } from './redact';
import { type RetryEvent, type RetryOptions, retryOptionsSchema, withRetries } from './retry';

/** The options every HTTP-backed adapter takes, beside its own. */
export const adapterOptionFields = {
  timeoutMs: z.number().positive().optional(),
  retry: retryOptionsSchema.optional(),
  onRetry: z.custom<(event: RetryEvent) => void>((v) => typeof v === 'function').optional(),
  costModel: z
    .custom<CostModel>((v) => typeof (v as CostModel | null)?.withCost === 'function')
    .optional(),
  capabilities: z
    .strictObject({
      jsonMode: z.boolean().optional(),
      structuredOutput: z.boolean().optional(),
      toolCalls: z.boolean().optional(),
      streaming: z.boolean().optional(),
    })
    .optional(),
  clock: z.custom<Clock>((v) => typeof (v as Clock | null)?.setTimeout === 'function').optional(),
  random: z.custom<Random>((v) => typeof (v as Random | null)?.next === 'function').optional(),
};

export type FailureExtra = {
  status?: number;
  retryAfterMs?: number;
  retryable?: boolean;
  cause?: unknown;
};

/**
 * Builds an adapter's errors, each naming its provider and model. With `redact`, every message and
 * cause passes through it first, so no secret reaches an error.
 */
export function failureFor(
  provider: string,
  modelId: string,
  redact: (text: string) => string = (text) => text,
) {
  return (code: LanguageModelErrorCode, message: string, extra: FailureExtra = {}) => {
    const { cause, ...rest } = extra;
    return new LanguageModelError({
      code,
      message: redact(`${provider} ${modelId}: ${message}`),
      provider,
      modelId,
      ...rest,
      ...(cause === undefined ? {} : { cause: redactCause(cause, redact) }),
    });
  };
}

/** Runs `attempt` under the adapter's retry policy; a caller's abort while waiting is `LM_ABORTED`. */
export function retrying<T>(
  attempt: () => Promise<T>,
  context: {
    provider: string;
    modelId: string;
    retry: RetryOptions | undefined;
    clock: Clock;
    random: Random;
    signal: AbortSignal | undefined;
    onRetry: ((event: RetryEvent) => void) | undefined;
  },
): Promise<T> {
  const { provider, modelId } = context;
  return withRetries(attempt, {
    options: context.retry ?? {},
    clock: context.clock,
    random: context.random,
    signal: context.signal,
    onRetry: context.onRetry,
    aborted: (attempts, cause) =>
      new LanguageModelError({
        code: 'LM_ABORTED',
        message: `${provider} ${modelId}: the request was aborted while waiting to retry`,
        provider,
        modelId,
        attempts,
        cause,
      }),
  });
}
