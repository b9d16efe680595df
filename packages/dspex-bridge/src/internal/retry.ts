import type { Clock, Random } from '@varplane/core';
import { z } from 'zod';
import { isLanguageModelError, LanguageModelError } from '../errors';
import { abortableDelay } from './abortable-delay';

/** How an adapter retries rate limits (429), server errors (5xx), timeouts and dropped connections. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  readonly maxRetries?: number;
  /** Delay before the first retry, before jitter (default 500 ms). */
  readonly initialDelayMs?: number;
  /** Cap of the exponential delay (default 30 s). */
  readonly maxDelayMs?: number;
  /** Growth of the delay per retry (default 2). */
  readonly factor?: number;
  /** Share of the delay drawn at random, in [0, 1] (default 0.5): delay × (1 − jitter × u). */
  readonly jitter?: number;
  /**
   * A `Retry-After` is honoured exactly; one longer than this (default 60 s) is not waited for and
   * the call fails at once with the server's answer.
   */
  readonly maxRetryAfterMs?: number;
}

export const retryOptionsSchema = z.strictObject({
  maxRetries: z.int().nonnegative().optional(),
  initialDelayMs: z.number().nonnegative().optional(),
  maxDelayMs: z.number().nonnegative().optional(),
  factor: z.number().min(1).optional(),
  jitter: z.number().min(0).max(1).optional(),
  maxRetryAfterMs: z.number().nonnegative().optional(),
});

/** Reported before each retry, so callers can log or count them. */
export interface RetryEvent {
  /** 1 for the first retry. */
  readonly retry: number;
  readonly delayMs: number;
  /** The failure being retried. */
  readonly error: LanguageModelError;
}

export interface RetryContext {
  readonly options: RetryOptions;
  readonly clock: Clock;
  readonly random: Random;
  readonly signal: AbortSignal | undefined;
  readonly onRetry: ((event: RetryEvent) => void) | undefined;
  /** Builds the error a caller's abort becomes. */
  readonly aborted: (attempts: number, cause: unknown) => LanguageModelError;
}

/** The wait before retry number `retry` (1-based): exponential, capped, jittered. */
export function backoffDelay(options: RetryOptions, retry: number, random: Random): number {
  const initial = options.initialDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  const jitter = options.jitter ?? 0.5;
  const base = Math.min(cap, initial * (options.factor ?? 2) ** (retry - 1));
  return Math.round(base * (1 - jitter * random.next()));
}

function withAttempts(error: LanguageModelError, attempts: number): LanguageModelError {
  if (error.attempts === attempts) return error;
  return new LanguageModelError({
    code: error.code,
    message: attempts > 1 ? `${error.message} (after ${attempts} attempts)` : error.message,
    provider: error.provider,
    modelId: error.modelId,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    attempts,
    retryable: error.retryable,
    cause: error.cause,
  });
}

/**
 * Runs `attempt` until it succeeds, fails with an error that is not retryable, or the retries run
 * out. Waits run on the injected clock and end early when the caller's signal fires.
 */
export async function withRetries<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  context: RetryContext,
): Promise<T> {
  const maxRetries = context.options.maxRetries ?? 2;
  const maxRetryAfter = context.options.maxRetryAfterMs ?? 60_000;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt(attempts);
    } catch (caught) {
      if (!isLanguageModelError(caught)) throw caught;
      const error = caught;
      const tooLong = error.retryAfterMs !== undefined && error.retryAfterMs > maxRetryAfter;
      if (!error.retryable || attempts > maxRetries || tooLong) throw withAttempts(error, attempts);
      const delayMs = error.retryAfterMs ?? backoffDelay(context.options, attempts, context.random);
      context.onRetry?.({ retry: attempts, delayMs, error });
      try {
        await abortableDelay(context.clock, delayMs, context.signal);
      } catch (reason) {
        throw context.aborted(attempts, reason);
      }
    }
  }
}
