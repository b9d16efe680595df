import type {
  CompromiseType,
  ConflictResolutionStrategy,
  TimeSlot,
  VariableConflict,
  VariableResolution,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { ConflictResolutionError } from './errors';
import {
  byPrecedence,
  type Claim,
  claimsOf,
  foremost,
  overruled,
  resolution,
} from './internal/conflicts';
import { parseOrThrow } from './internal/parse';
import { checkConflictInput } from './internal/strategy-input';
import { cleanFloat, sameValue } from './internal/values';

/** Options of {@link createCompromiseResolution}. */
export interface CompromiseOptions {
  /** The name it registers under (default `compromise`). */
  name?: string;
  /**
   * The compromise to make, or `auto` (the default) to pick one per conflict: `alternative_solution`
   * when alternatives are offered, `time_sharing` for resource and temporal conflicts,
   * `weighted_average` when every request is a number, `priority_override` otherwise.
   */
  type?: CompromiseType | 'auto';
  /** Length of one time-sharing round, in ms, split among the agents by weight (default 60,000). */
  periodMs?: number;
  /** When the schedule starts, in clock ms (default: the context clock's now). */
  startAt?: number;
}

const COMPROMISE_TYPES = [
  'weighted_average',
  'time_sharing',
  'priority_override',
  'alternative_solution',
] as const;

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  type: z.enum([...COMPROMISE_TYPES, 'auto']).optional(),
  periodMs: z.number().int().positive().optional(),
  startAt: z.number().finite().optional(),
});

/**
 * Compromise (`compromise`), with the card's four compromise types:
 * - `weighted_average`: the requests' weighted mean (numbers only);
 * - `time_sharing`: an explicit schedule in which each agent holds its value for a slot of the
 *   period proportional to its weight, higher priority first; the value now is the first slot's;
 * - `priority_override`: the highest-priority agent's value;
 * - `alternative_solution`: one of the conflict's `alternatives` (for numbers the one closest to
 *   the weighted mean, otherwise the one most weight asked for, otherwise the first).
 * A conflict the chosen type cannot settle is `CONFLICT_UNRESOLVABLE`.
 *
 * @example
 * await resolveConflicts(conflicts, createCompromiseResolution({ type: 'time_sharing', periodMs: 10_000 }));
 */
export function createCompromiseResolution(
  options: CompromiseOptions = {},
): ConflictResolutionStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createCompromiseResolution',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const type = opts.type ?? 'auto';
  const periodMs = opts.periodMs ?? 60_000;
  return {
    kind: 'conflict-resolution',
    name: opts.name ?? 'compromise',
    specificationVersion: 'v1',
    description: 'Weighted average, time sharing, priority override or an alternative solution.',
    resolve(conflicts, context) {
      checkConflictInput('compromise.resolve', conflicts, context);
      const startAt = opts.startAt ?? context.clock.now();
      return conflicts.map((conflict) => {
        const claims = claimsOf(conflict);
        const kind = type === 'auto' ? pick(conflict, claims) : type;
        if (kind === 'weighted_average') return weightedAverage(conflict, claims);
        if (kind === 'time_sharing') return timeSharing(conflict, claims, startAt, periodMs);
        if (kind === 'alternative_solution') return alternative(conflict, claims);
        const winner = foremost(claims);
        return resolution(
          conflict,
          winner.value,
          'priority_override',
          overruled(claims, winner.value),
        );
      });
    },
  };
}

function pick(conflict: VariableConflict, claims: readonly Claim[]): CompromiseType {
  if ((conflict.alternatives?.length ?? 0) > 0) return 'alternative_solution';
  if (conflict.conflictType !== 'value_incompatible') return 'time_sharing';
  return claims.every((c) => typeof c.value === 'number')
    ? 'weighted_average'
    : 'priority_override';
}

function unresolvable(conflict: VariableConflict, why: string): never {
  throw new ConflictResolutionError({
    code: 'CONFLICT_UNRESOLVABLE',
    variableId: conflict.variableId,
    message: `conflict over ${describeValue(conflict.variableId)}: ${why}`,
  });
}

/** Weighted mean of numeric claims; equal weights when all weights are 0. */
function mean(claims: readonly Claim[]): number {
  let sum = 0;
  let total = 0;
  for (const c of claims) {
    sum += (c.value as number) * c.weight;
    total += c.weight;
  }
  if (total > 0) return sum / total;
  return claims.reduce((s, c) => s + (c.value as number), 0) / claims.length;
}

function weightedAverage(conflict: VariableConflict, claims: readonly Claim[]): VariableResolution {
  const odd = claims.find((c) => typeof c.value !== 'number');
  if (odd !== undefined) {
    unresolvable(
      conflict,
      `weighted_average needs numbers, and ${odd.agent} requested ${describeValue(odd.value)}`,
    );
  }
  const value = cleanFloat(mean(claims));
  return resolution(conflict, value, 'weighted_average', overruled(claims, value));
}

function timeSharing(
  conflict: VariableConflict,
  claims: readonly Claim[],
  startAt: number,
  periodMs: number,
): VariableResolution {
  const order = [...claims].sort((a, b) => byPrecedence(a, b) || a.index - b.index);
  const weights = order.map((c) => c.weight);
  const total = weights.reduce((s, w) => s + w, 0);
  const shares = total > 0 ? weights.map((w) => w / total) : weights.map(() => 1 / order.length);
  // Whole milliseconds, with the rounding remainder going to the earliest slots.
  const durations = shares.map((share) => Math.floor(share * periodMs));
  let left = periodMs - durations.reduce((s, d) => s + d, 0);
  for (let i = 0; left > 0 && i < durations.length; i++) {
    if ((shares[i] as number) > 0) {
      durations[i] = (durations[i] as number) + 1;
      left -= 1;
    }
  }
  const schedule: TimeSlot[] = [];
  let at = startAt;
  order.forEach((claim, i) => {
    const duration = durations[i] as number;
    if (duration <= 0) return;
    schedule.push({ agent: claim.agent, value: claim.value, start: at, duration });
    at += duration;
  });
  const first = schedule[0] as TimeSlot;
  return {
    variableId: conflict.variableId,
    resolvedValue: first.value,
    compromiseType: 'time_sharing',
    affectedAgents: claims.map((c) => c.agent),
    schedule,
  };
}

function alternative(conflict: VariableConflict, claims: readonly Claim[]): VariableResolution {
  const alternatives = conflict.alternatives ?? [];
  if (alternatives.length === 0)
    unresolvable(conflict, 'alternative_solution needs conflict.alternatives');
  let chosen = alternatives[0];
  const numeric =
    claims.every((c) => typeof c.value === 'number') &&
    alternatives.some((a) => typeof a === 'number');
  if (numeric) {
    const target = mean(claims);
    let best = Number.POSITIVE_INFINITY;
    for (const a of alternatives) {
      if (typeof a === 'number' && Math.abs(a - target) < best) {
        best = Math.abs(a - target);
        chosen = a;
      }
    }
  } else {
    let support = 0;
    for (const a of alternatives) {
      const weight = claims.filter((c) => sameValue(c.value, a)).reduce((s, c) => s + c.weight, 0);
      if (weight > support) {
        support = weight;
        chosen = a;
      }
    }
  }
  return resolution(conflict, chosen, 'alternative_solution', overruled(claims, chosen));
}
