import { InvalidArgumentError, type Random } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';
import { MAX_TIMEOUT_MS } from './internal/timeouts';

const randomSchema = z.object({
  float: z.custom<Random['float']>((v) => typeof v === 'function', 'must be a function'),
});

export const backoffOptionsSchema = z.object({
  /** Delay before the first backed-off restart, in ms. */
  initialMs: z.number().nonnegative().max(MAX_TIMEOUT_MS).default(100),
  /** The delay never grows past this. */
  maxMs: z.number().nonnegative().max(MAX_TIMEOUT_MS).default(30_000),
  /** Growth per consecutive backed-off restart. */
  factor: z.number().min(1).default(2),
  /** Spread, in [0, 1]: the delay is drawn uniformly from delay * [1 - jitter, 1 + jitter]. */
  jitter: z.number().min(0).max(1).default(0.2),
  /** A child that ran this long since its last backed-off restart starts again from `initialMs`. */
  resetAfterMs: z.number().nonnegative().default(60_000),
});

/** How restart delays grow. */
export type BackoffOptions = z.output<typeof backoffOptionsSchema>;
export type BackoffOptionsInput = z.input<typeof backoffOptionsSchema>;

/**
 * The delay before backed-off restart number `attempt` (1 for the first): exponential, capped,
 * with jitter from the injected random source so a test can predict it exactly.
 *
 * @example
 * backoffDelay(3, backoffOptionsSchema.parse({ initialMs: 100, jitter: 0 }), random); // 400
 */
export function backoffDelay(attempt: number, given: BackoffOptions, random: Random): number {
  const subject = 'backoffDelay';
  if (typeof attempt !== 'number' || Number.isNaN(attempt)) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${subject}: attempt must be a number (got ${describeValue(attempt)})`,
      issues: [{ path: 'attempt', message: 'must be a number', value: attempt }],
    });
  }
  const options = parseOrThrow(backoffOptionsSchema, given, {
    code: 'INVALID_ARGUMENT',
    subject,
    prefix: 'options',
  });
  parseOrThrow(randomSchema, random, { code: 'INVALID_ARGUMENT', subject, prefix: 'random' });
  const base = Math.min(
    options.maxMs,
    options.initialMs * options.factor ** Math.max(0, attempt - 1),
  );
  if (options.jitter === 0 || base === 0) return Math.round(base);
  const spread = random.float(1 - options.jitter, 1 + options.jitter);
  return Math.round(Math.min(options.maxMs, base * spread));
}
