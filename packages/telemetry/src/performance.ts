import type { AdaptationEvent, PerformanceMetrics, ResourcePool } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { guarded } from './internal/guard';
import { clamp01, mean } from './internal/math';
import { parseOptions } from './internal/parse';

const count = z.number().finite().nonnegative();
const performanceInputSchema = z
  .object({
    agents: z.array(
      z
        .object({
          agent: z.string(),
          handled: count,
          errors: count,
          status: z.enum(['up', 'down', 'retired']),
        })
        .passthrough(),
    ),
    dropped: count,
    pool: z.object({}).passthrough().optional(),
    initialPool: z.object({}).passthrough().optional(),
    adaptationHistory: z.array(
      z
        .object({ outcome: z.enum(['success', 'partial_success', 'failure', 'rolled_back']) })
        .passthrough(),
    ),
    recoveryTimes: z.array(z.number().finite()),
    previous: z
      .object({
        individualPerformance: idRecord(z.number()),
        communicationEfficiency: z.number(),
      })
      .passthrough(),
  })
  .passthrough();

/** What one agent did in a window, as the performance formulas need it. */
export interface AgentWindow {
  readonly agent: string;
  readonly handled: number;
  readonly errors: number;
  /**
   * `down` once the agent crashed and has not come back, or stopped on an error; `retired` when it
   * stopped normally and no longer counts toward the team.
   */
  readonly status: 'up' | 'down' | 'retired';
}

export interface PerformanceInput {
  readonly agents: readonly AgentWindow[];
  /** Messages dropped or refused by full mailboxes in the window. */
  readonly dropped: number;
  readonly pool: ResourcePool | undefined;
  /** The pool when monitoring started: spendable budgets are measured against it. */
  readonly initialPool: ResourcePool | undefined;
  readonly adaptationHistory: readonly AdaptationEvent[];
  /** Recent crash-to-restart durations, in ms. */
  readonly recoveryTimes: readonly number[];
  /** The previous window's metrics: a quiet window keeps the last measured ratios. */
  readonly previous: PerformanceMetrics;
}

// Pool fields at or above this are "unlimited" (core fills them with MAX_SAFE_INTEGER).
const UNLIMITED = Number.MAX_SAFE_INTEGER / 2;

const finite = (x: number | undefined): x is number => x !== undefined && x > 0 && x < UNLIMITED;

const OUTCOME_SCORE: Record<AdaptationEvent['outcome'], number> = {
  success: 1,
  partial_success: 0.5,
  failure: 0,
  rolled_back: 0,
};

function utilization(pool: ResourcePool | undefined, initial: ResourcePool | undefined) {
  const out: Record<string, number> = {};
  if (pool === undefined) return out;
  if (finite(pool.totalMemory)) out.memory = clamp01(1 - pool.availableMemory / pool.totalMemory);
  if (finite(pool.totalCpu)) out.cpu = clamp01(1 - pool.availableCpu / pool.totalCpu);
  // Tokens, cost and concurrency are what is left to hand out: measured against the start.
  for (const key of ['tokens', 'cost', 'concurrency'] as const) {
    const start = initial?.[key];
    if (finite(start)) out[key] = clamp01(1 - pool[key] / start);
  }
  return out;
}

/**
 * The card's performance metrics for one window, from what the runtime did:
 *
 * - `individualPerformance[agent]`: messages handled without error over messages attempted in the
 *   window; an agent that is down (crashed and not back, or stopped on an error) scores 0; a quiet
 *   window keeps `previous`'s score (1 at first). A monitor passes the agent's latest *measured*
 *   score as `previous` (from its latest window with traffic while up), so an agent that recovers
 *   and idles gets that score back. Normally stopped agents are left out, of the team score too:
 *   the dashboard shows them with no score.
 * - `aggregatePerformance`: the mean of the individual scores (0 without agents).
 * - `resourceUtilization`: `memory` and `cpu` as reserved over total, `tokens`, `cost` and
 *   `concurrency` as spent since monitoring began over what was left then; only finite pools.
 * - `communicationEfficiency`: messages that reached a handler over messages sent (handled plus
 *   dropped by full mailboxes); a quiet window keeps the last value.
 * - `adaptationSuccessRate`: success 1, partial success 0.5, failure and rollback 0, averaged over
 *   the space's adaptation history (1 when there is none).
 * - `faultRecoveryTime`: mean crash-to-restart time over recent recoveries, in ms.
 */
export function computePerformance(input: PerformanceInput): PerformanceMetrics {
  const checked = parseOptions(performanceInputSchema, input, 'computePerformance: input');
  return guarded('computePerformance', 'input', () =>
    compute(checked as unknown as PerformanceInput),
  );
}

function compute(input: PerformanceInput): PerformanceMetrics {
  // Entries, then an object: an agent named `__proto__` is an own key like any other.
  const entries: [string, number][] = [];
  let handled = 0;
  for (const agent of input.agents) {
    if (agent.status === 'retired') continue;
    handled += agent.handled;
    const attempted = agent.handled + agent.errors;
    const kept = input.previous.individualPerformance;
    const previous = Object.hasOwn(kept, agent.agent) ? (kept[agent.agent] as number) : 1;
    entries.push([
      agent.agent,
      agent.status === 'down' ? 0 : attempted === 0 ? previous : clamp01(agent.handled / attempted),
    ]);
  }
  const individual: Record<string, number> = Object.fromEntries(entries);
  const scores = Object.values(individual);
  const sent = handled + input.dropped;
  const history = input.adaptationHistory;
  const recoveries = input.recoveryTimes;
  return {
    aggregatePerformance: mean(scores),
    individualPerformance: individual,
    resourceUtilization: utilization(input.pool, input.initialPool),
    communicationEfficiency: sent === 0 ? input.previous.communicationEfficiency : handled / sent,
    adaptationSuccessRate:
      history.length === 0
        ? 1
        : history.reduce((sum, e) => sum + OUTCOME_SCORE[e.outcome], 0) / history.length,
    faultRecoveryTime: mean(recoveries),
  };
}
