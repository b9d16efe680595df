import type { ConflictResolutionStrategy } from '@varplane/core';
import { z } from 'zod';
import { claimsOf, foremost, overruled, resolution } from './internal/conflicts';
import { parseOrThrow } from './internal/parse';
import { checkConflictInput } from './internal/strategy-input';

/** Options of {@link createPriorityResolution}. */
export interface PriorityResolutionOptions {
  /** The name it registers under (default `priority_based`). */
  name?: string;
}

const optionsSchema = z.strictObject({ name: z.string().min(1).optional() });

/**
 * Priority-based resolution (`priority_based`): in each conflict the agent with the highest
 * priority gets its value (equal priorities: the higher weight, then the smaller agent id); the
 * others are the affected agents. Compromise type `priority_override`.
 *
 * @example
 * await resolveConflicts(conflicts, 'priority_based');
 */
export function createPriorityResolution(
  options: PriorityResolutionOptions = {},
): ConflictResolutionStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createPriorityResolution',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'conflict-resolution',
    name: opts.name ?? 'priority_based',
    specificationVersion: 'v1',
    description: 'The highest-priority agent gets its value.',
    resolve(conflicts, context) {
      checkConflictInput('priority_based.resolve', conflicts, context);
      return conflicts.map((conflict) => {
        const claims = claimsOf(conflict);
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
