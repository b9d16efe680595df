import {
  InvalidArgumentError,
  type ResourcePool,
  resourcePoolSchema,
  unlimitedResourcePool,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import type { ResourceNeeds } from './behaviour';
import { BudgetExhaustedError } from './errors';
import { parseOrThrow } from './internal/parse';

/** What one holder has reserved, and what it has spent of its limits. */
export interface Holding {
  readonly memory: number;
  readonly cpu: number;
  readonly concurrency: number;
  /** Spending limits; `Infinity` when the agent has none of its own. */
  readonly tokenLimit: number;
  readonly costLimit: number;
  readonly tokensSpent: number;
  readonly costSpent: number;
}

/** A refusal, reported before the error is thrown so it can become an event. */
export interface Exhaustion {
  holder: string;
  resource: string;
  requested: number;
  available: number;
}

/**
 * The pool's books. Agents reserve memory, cpu and concurrency while they live and spend tokens
 * and cost for LM work. A reservation is all or nothing, so the pool never over-commits.
 *
 * A port: `createResourceLedger` is the one for a process; a cluster-wide ledger can be given to
 * `createActorSystem({ ledger })`. Calls are synchronous (a spawn reserves before it returns), so
 * a distributed ledger answers from leases it holds locally. Amounts are numbers >= 0; anything
 * else is refused with `INVALID_ARGUMENT`.
 */
export interface ResourceLedger {
  /** Reserves `needs` for `holder`, replacing what it held. Throws `BUDGET_EXHAUSTED`. */
  reserve(holder: string, needs: ResourceNeeds): void;
  /** Gives back what `holder` reserved (its spending stays spent). */
  release(holder: string): void;
  /** Changes what `holder` may spend in all (it keeps what it has spent). */
  setLimits(holder: string, limits: { tokens?: number; cost?: number }): void;
  /** Charges usage to `holder`'s limits and the pool. Throws `BUDGET_EXHAUSTED` past either. */
  spend(holder: string, usage: { tokens?: number; cost?: number }): void;
  holding(holder: string): Holding | undefined;
  /** The pool as it stands: totals and what is still available. */
  pool(): ResourcePool;
}

/** Every amount given must be a number >= 0 (`Infinity` is no limit); NaN and negatives are refused. */
function checkAmounts(
  operation: string,
  amounts: unknown,
  fields: readonly string[],
): Record<string, number | undefined> {
  if (typeof amounts !== 'object' || amounts === null) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${operation}: expected an object of amounts (got ${describeValue(amounts)})`,
      issues: [{ path: '', message: 'expected an object', value: amounts }],
    });
  }
  // Read once each, into a plain record: a getter is not asked twice, and one that throws is
  // refused like any other bad amount.
  const read: Record<string, number | undefined> = {};
  for (const field of fields) {
    let value: unknown;
    try {
      value = (amounts as Record<string, unknown>)[field];
    } catch (cause) {
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `${operation}: ${field} could not be read`,
        issues: [{ path: field, message: 'could not be read' }],
        cause,
      });
    }
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value >= 0)) {
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `${operation}: ${field} must be a number >= 0 (got ${describeValue(value)})`,
        issues: [{ path: field, message: 'must be a number >= 0', value }],
      });
    }
    read[field] = value;
  }
  return read;
}

/** Holders are ids: strings, looked up in Maps, so `__proto__` is an ordinary one. */
function checkHolder(operation: string, holder: unknown): asserts holder is string {
  if (typeof holder === 'string') return;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: holder must be a string (got ${describeValue(holder)})`,
    issues: [{ path: 'holder', message: 'must be a string', value: holder }],
  });
}

/**
 * `ledger` reporting its refusals to `onExhausted` (a plugged-in ledger, say a cluster-wide one,
 * knows nothing of the system's events).
 */
export function observeLedger(
  ledger: ResourceLedger,
  onExhausted: (exhaustion: Exhaustion) => void,
): ResourceLedger {
  parseOrThrow(ledgerSchema, ledger, {
    code: 'INVALID_ARGUMENT',
    subject: 'observeLedger',
    prefix: 'ledger',
  });
  if (typeof onExhausted !== 'function') {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `observeLedger: onExhausted must be a function (got ${describeValue(onExhausted)})`,
      issues: [{ path: 'onExhausted', message: 'must be a function', value: onExhausted }],
    });
  }
  const watch =
    <A extends unknown[]>(operation: (...args: A) => void) =>
    (...args: A) => {
      try {
        operation(...args);
      } catch (error) {
        if (error instanceof BudgetExhaustedError) {
          onExhausted({
            holder: error.agent,
            resource: error.resource,
            requested: error.requested,
            available: error.available,
          });
        }
        throw error;
      }
    };
  return {
    reserve: watch((holder: string, needs: ResourceNeeds) => ledger.reserve(holder, needs)),
    release: (holder) => ledger.release(holder),
    setLimits: (holder, limits) => ledger.setLimits(holder, limits),
    spend: watch((holder: string, usage: { tokens?: number; cost?: number }) =>
      ledger.spend(holder, usage),
    ),
    holding: (holder) => ledger.holding(holder),
    pool: () => ledger.pool(),
  };
}

const method = z.custom<(...args: never[]) => unknown>(
  (v) => typeof v === 'function',
  'must be a function',
);

/** A ledger port: the six methods. */
export const ledgerSchema = z.object({
  reserve: method,
  release: method,
  setLimits: method,
  spend: method,
  holding: method,
  pool: method,
});

const ledgerOptionsSchema = z.object({
  onExhausted: z
    .custom<(exhaustion: Exhaustion) => void>((v) => typeof v === 'function', 'must be a function')
    .optional(),
});

// Reservations of fractional cpu weights add up with rounding error; a sliver is not a refusal.
const EPSILON = 1e-9;

interface MutableHolding {
  memory: number;
  cpu: number;
  concurrency: number;
  tokenLimit: number;
  costLimit: number;
  tokensSpent: number;
  costSpent: number;
}

/**
 * A ledger over `pool` (unlimited where a field is left out).
 *
 * @example
 * const ledger = createResourceLedger({ totalMemory: 1024, availableMemory: 1024 });
 * ledger.reserve('coder', { memory: 512, tokens: 10_000 });
 * ledger.spend('coder', { tokens: 1_200 });
 */
export function createResourceLedger(
  pool: Partial<ResourcePool> = {},
  options: { onExhausted?: (exhaustion: Exhaustion) => void } = {},
): ResourceLedger {
  const given = parseOrThrow(resourcePoolSchema.partial(), pool, {
    code: 'INVALID_ARGUMENT',
    subject: 'createResourceLedger',
    prefix: 'pool',
  });
  const { onExhausted } = parseOrThrow(ledgerOptionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'createResourceLedger',
    prefix: 'options',
  });
  const start: ResourcePool = { ...unlimitedResourcePool() };
  for (const [key, value] of Object.entries(given)) {
    if (value !== undefined) start[key as keyof ResourcePool] = value;
  }
  const available = { ...start };
  const holdings = new Map<string, MutableHolding>();

  const refuse = (holder: string, resource: string, requested: number, left: number): never => {
    onExhausted?.({ holder, resource, requested, available: left });
    throw new BudgetExhaustedError(holder, resource, requested, left);
  };

  return {
    reserve(holder, given) {
      checkHolder('reserve', holder);
      const needs = checkAmounts('reserve', given, [
        'memory',
        'cpu',
        'concurrency',
        'tokens',
        'cost',
      ]);
      const previous = holdings.get(holder);
      const memory = needs.memory ?? 0;
      const cpu = needs.cpu ?? 0;
      const concurrency = needs.concurrency ?? 0;
      const freeMemory = available.availableMemory + (previous?.memory ?? 0);
      const freeCpu = available.availableCpu + (previous?.cpu ?? 0);
      const freeConcurrency = available.concurrency + (previous?.concurrency ?? 0);
      if (memory > freeMemory + EPSILON) refuse(holder, 'memory', memory, freeMemory);
      if (cpu > freeCpu + EPSILON) refuse(holder, 'cpu', cpu, freeCpu);
      if (concurrency > freeConcurrency + EPSILON) {
        refuse(holder, 'concurrency', concurrency, freeConcurrency);
      }
      available.availableMemory = Math.max(0, freeMemory - memory);
      available.availableCpu = Math.max(0, freeCpu - cpu);
      available.concurrency = Math.max(0, freeConcurrency - concurrency);
      holdings.set(holder, {
        memory,
        cpu,
        concurrency,
        tokenLimit: needs.tokens ?? Number.POSITIVE_INFINITY,
        costLimit: needs.cost ?? Number.POSITIVE_INFINITY,
        tokensSpent: previous?.tokensSpent ?? 0,
        costSpent: previous?.costSpent ?? 0,
      });
    },
    release(holder) {
      checkHolder('release', holder);
      const held = holdings.get(holder);
      if (held === undefined) return;
      available.availableMemory = Math.min(
        start.totalMemory,
        available.availableMemory + held.memory,
      );
      available.availableCpu = Math.min(start.totalCpu, available.availableCpu + held.cpu);
      available.concurrency = Math.min(start.concurrency, available.concurrency + held.concurrency);
      holdings.delete(holder);
    },
    setLimits(holder, given) {
      checkHolder('setLimits', holder);
      const limits = checkAmounts('setLimits', given, ['tokens', 'cost']);
      const held = holdings.get(holder) ?? {
        memory: 0,
        cpu: 0,
        concurrency: 0,
        tokenLimit: Number.POSITIVE_INFINITY,
        costLimit: Number.POSITIVE_INFINITY,
        tokensSpent: 0,
        costSpent: 0,
      };
      if (limits.tokens !== undefined) held.tokenLimit = limits.tokens;
      if (limits.cost !== undefined) held.costLimit = limits.cost;
      holdings.set(holder, held);
    },
    spend(holder, usage) {
      checkHolder('spend', holder);
      const { tokens = 0, cost = 0 } = checkAmounts('spend', usage, ['tokens', 'cost']);
      const held = holdings.get(holder);
      if (held !== undefined) {
        const tokensLeft = held.tokenLimit - held.tokensSpent;
        const costLeft = held.costLimit - held.costSpent;
        if (tokens > tokensLeft + EPSILON) refuse(holder, 'tokens', tokens, tokensLeft);
        if (cost > costLeft + EPSILON) refuse(holder, 'cost', cost, costLeft);
      }
      if (tokens > available.tokens + EPSILON) refuse(holder, 'tokens', tokens, available.tokens);
      if (cost > available.cost + EPSILON) refuse(holder, 'cost', cost, available.cost);
      available.tokens = Math.max(0, available.tokens - tokens);
      available.cost = Math.max(0, available.cost - cost);
      if (held !== undefined) {
        held.tokensSpent += tokens;
        held.costSpent += cost;
      }
    },
    holding(holder) {
      checkHolder('holding', holder);
      const held = holdings.get(holder);
      return held === undefined ? undefined : { ...held };
    },
    pool: () => ({ ...available }),
  };
}
