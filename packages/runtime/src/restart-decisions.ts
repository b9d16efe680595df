import { InvalidArgumentError } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';

/**
 * What a supervisor does when a child throws:
 * - `restart`: restart it under the supervisor's strategy (counts toward restart intensity);
 * - `backoff`: the same, after a backoff delay with jitter (a rate-limited LM call);
 * - `resume`: keep the agent and its state, drop the message, go on (a bad input);
 * - `stop`: stop it for good, whatever its restart type (an exhausted budget);
 * - `escalate`: fail the supervisor itself, so its parent decides.
 */
export type Decision = 'restart' | 'backoff' | 'resume' | 'stop' | 'escalate';

export const DECISIONS: readonly Decision[] = ['restart', 'backoff', 'resume', 'stop', 'escalate'];

/** Chooses a decision for an error an agent threw. `agent` is the agent's id. */
export type Decider = (error: unknown, agent: string) => Decision;

/** Matches an error; every field given must match. */
export interface ErrorMatch {
  /** The error's `code` (a varplane code, or any error's `code` property), or one of several. */
  code?: string | readonly string[];
  /** The error's `name`. */
  name?: string | readonly string[];
  /** An error class. */
  instanceOf?: abstract new (
    ...args: never[]
  ) => unknown;
  /** Anything else. */
  test?: (error: unknown) => boolean;
}

export interface DecisionRule {
  match: ErrorMatch;
  decision: Decision;
}

// Errors are whatever was thrown: a Proxy or an object whose getters throw is read as having no
// such field, never as a second error.
const field = (error: unknown, key: string): unknown => {
  if (typeof error !== 'object' || error === null) return undefined;
  try {
    return (error as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
};

const words = z.union([z.string(), z.array(z.string()).readonly()]);

const errorMatchSchema = z
  .object({
    code: words.optional(),
    name: words.optional(),
    instanceOf: z
      .custom<NonNullable<ErrorMatch['instanceOf']>>(
        (v) => typeof v === 'function',
        'must be a class',
      )
      .optional(),
    test: z
      .custom<NonNullable<ErrorMatch['test']>>((v) => typeof v === 'function', 'must be a function')
      .optional(),
  })
  .strict();

const decisionSchema = z.enum(['restart', 'backoff', 'resume', 'stop', 'escalate']);

const rulesSchema = z.array(z.object({ match: errorMatchSchema, decision: decisionSchema }));

const oneOf = (value: unknown, wanted: string | readonly string[]) =>
  typeof value === 'string' &&
  (typeof wanted === 'string' ? value === wanted : wanted.includes(value));

/** True when `error` satisfies every part of `match`. */
export function matchesError(error: unknown, match: ErrorMatch): boolean {
  const checked = parseOrThrow(errorMatchSchema, match, {
    code: 'INVALID_ARGUMENT',
    subject: 'matchesError',
    prefix: 'match',
  }) as ErrorMatch;
  return matches(error, checked);
}

function matches(error: unknown, match: ErrorMatch): boolean {
  if (match.code !== undefined && !oneOf(field(error, 'code'), match.code)) return false;
  if (match.name !== undefined && !oneOf(field(error, 'name'), match.name)) return false;
  if (match.instanceOf !== undefined && !isInstance(error, match.instanceOf)) return false;
  if (match.test !== undefined && !passes(error, match.test)) return false;
  return true;
}

function isInstance(error: unknown, type: NonNullable<ErrorMatch['instanceOf']>): boolean {
  try {
    return error instanceof type;
  } catch {
    // A Proxy whose prototype cannot be read, or a class whose `Symbol.hasInstance` throws.
    return false;
  }
}

function passes(error: unknown, test: NonNullable<ErrorMatch['test']>): boolean {
  let answer: unknown;
  try {
    answer = test(error);
  } catch (cause) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: 'matchesError: match.test threw',
      issues: [{ path: 'match.test', message: 'threw' }],
      cause,
    });
  }
  return answer === true;
}

/**
 * A decider from rules, first match wins; `fallback` when none matches.
 *
 * @example
 * const decide = createDecider([
 *   { match: { code: 'RATE_LIMITED' }, decision: 'backoff' },
 *   { match: { instanceOf: SyntaxError }, decision: 'resume' },
 * ]);
 */
export function createDecider(
  rules: readonly DecisionRule[],
  fallback: Decision = 'restart',
): Decider {
  const list = parseOrThrow(rulesSchema, rules, {
    code: 'INVALID_ARGUMENT',
    subject: 'createDecider',
    prefix: 'rules',
  }) as DecisionRule[];
  const otherwise = parseOrThrow(decisionSchema, fallback, {
    code: 'INVALID_ARGUMENT',
    subject: 'createDecider',
    prefix: 'fallback',
  });
  return (error) => {
    for (const rule of list) if (matches(error, rule.match)) return rule.decision;
    return otherwise;
  };
}

const isRateLimit = (error: unknown) =>
  field(error, 'status') === 429 ||
  field(error, 'statusCode') === 429 ||
  oneOf(field(error, 'code'), ['RATE_LIMITED', 'LM_RATE_LIMITED']) ||
  field(error, 'name') === 'RateLimitError';

/**
 * The rules supervisors use unless told otherwise: an exhausted budget stops the agent, a rate
 * limit (HTTP 429, code `RATE_LIMITED`) backs off, bad input (`INVALID_ARGUMENT`, a `ZodError`)
 * resumes; anything else restarts.
 */
export const DEFAULT_DECISION_RULES: readonly DecisionRule[] = [
  { match: { code: 'BUDGET_EXHAUSTED' }, decision: 'stop' },
  { match: { test: isRateLimit }, decision: 'backoff' },
  { match: { code: 'INVALID_ARGUMENT' }, decision: 'resume' },
  { match: { name: 'ZodError' }, decision: 'resume' },
];

/** {@link DEFAULT_DECISION_RULES} with `restart` as the fallback. */
export const defaultDecider: Decider = createDecider(DEFAULT_DECISION_RULES);
