import type {
  ConflictResolutionStrategy,
  VariableConflict,
  VariableResolution,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { checkConflicts, variableConflictSchema } from './internal/conflict';
import {
  type OperationOptions,
  operationOptionsShape,
  runOptions,
} from './internal/operation-options';
import { parseOrThrow } from './internal/parse';
import { resolveStrategy } from './internal/resolve-strategy';

export { variableConflictSchema };

import { checkResult, invalidResult, runStrategy } from './internal/run-strategy';

/** Options of {@link resolveConflicts}. */
export type ResolveConflictsOptions = OperationOptions;

const SUBJECT = 'resolveConflicts';

const optionsSchema = z.strictObject(operationOptionsShape);

const slotSchema = z.object({
  agent: z.string(),
  value: z.unknown(),
  start: z.number(),
  duration: z.number().positive(),
});

const resultSchema = z.array(
  z.object({
    variableId: z.string(),
    resolvedValue: z.unknown(),
    compromiseType: z.enum([
      'weighted_average',
      'time_sharing',
      'priority_override',
      'alternative_solution',
    ]),
    affectedAgents: z.array(z.string()),
    schedule: z.array(slotSchema).optional(),
  }),
);

/**
 * Resolves conflicts where agents need incompatible values of a variable, with a registered
 * conflict-resolution strategy (`priority_based`, `voting`, `leader_election`, `compromise`, or a
 * plugin) or one given directly. Returns one resolution per conflict, in order; each names the
 * compromise type, the affected agents and, for time sharing, the schedule. `requestedValues`,
 * `priorities` and `weights` are aligned with `conflictingAgents` (`CONFLICT_MISALIGNED`
 * otherwise).
 *
 * @example
 * const [resolution] = await resolveConflicts(
 *   [{ variableId: 'gpu', conflictingAgents: ['a', 'b'], requestedValues: ['a', 'b'],
 *      conflictType: 'resource_competition', weights: [2, 1] }],
 *   'compromise',
 * ); // time_sharing: a holds the gpu for 40 s of each minute, b for 20 s
 */
export async function resolveConflicts(
  conflicts: readonly VariableConflict[],
  strategy: string | ConflictResolutionStrategy = 'compromise',
  options: ResolveConflictsOptions = {},
): Promise<VariableResolution[]> {
  checkConflicts(SUBJECT, conflicts);
  const opts = parseOrThrow(optionsSchema, options, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  }) as ResolveConflictsOptions;
  const resolver = resolveStrategy('conflict-resolution', strategy, opts.registry);
  if (conflicts.length === 0) return [];
  const raw = await runStrategy(
    resolver,
    (context) => resolver.resolve(conflicts, context),
    runOptions(opts),
  );
  const resolutions = checkResult(resolver, resultSchema, raw) as VariableResolution[];
  if (resolutions.length !== conflicts.length) {
    throw invalidResult(
      resolver,
      `${resolutions.length} resolutions for ${conflicts.length} conflicts`,
    );
  }
  resolutions.forEach((r, i) => {
    const conflict = conflicts[i] as VariableConflict;
    const agents = new Set(conflict.conflictingAgents);
    if (r.variableId !== conflict.variableId) {
      throw invalidResult(
        resolver,
        `resolution ${i} is for ${describeValue(r.variableId)}, conflict ${i} for ${describeValue(conflict.variableId)}`,
      );
    }
    const stranger = [...r.affectedAgents, ...(r.schedule ?? []).map((s) => s.agent)].find(
      (a) => !agents.has(a),
    );
    if (stranger !== undefined) {
      throw invalidResult(
        resolver,
        `resolution ${i} names ${describeValue(stranger)}, who is not in the conflict`,
      );
    }
    const slots = [...(r.schedule ?? [])].sort((a, b) => a.start - b.start);
    for (let k = 1; k < slots.length; k++) {
      const before = slots[k - 1] as (typeof slots)[number];
      if ((slots[k] as (typeof slots)[number]).start < before.start + before.duration) {
        throw invalidResult(resolver, `resolution ${i} has overlapping time slots`);
      }
    }
  });
  return resolutions;
}
