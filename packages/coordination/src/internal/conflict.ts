import type { VariableConflict } from '@varplane/core';
import { z } from 'zod';
import { invalid, parseOrThrow } from './parse';

const finite = (v: unknown) => typeof v !== 'number' || Number.isFinite(v);

/** The zod schema of a `VariableConflict`, as `resolveConflicts` checks it. */
export const variableConflictSchema = z.object({
  variableId: z.string().min(1, 'must not be empty'),
  conflictingAgents: z.array(z.string().min(1, 'must not be empty')).min(1, 'must not be empty'),
  requestedValues: z.array(z.unknown().refine(finite, 'must be a finite number')),
  conflictType: z.enum(['value_incompatible', 'resource_competition', 'temporal_constraint']),
  priorities: z.array(z.number()).optional(),
  weights: z.array(z.number().nonnegative('must be >= 0')).optional(),
  alternatives: z.array(z.unknown().refine(finite, 'must be a finite number')).optional(),
});

const conflictsSchema = z.array(variableConflictSchema);
/** Refuses malformed conflicts, and lists not aligned with `conflictingAgents`. */
export function checkConflicts(subject: string, conflicts: readonly VariableConflict[]): void {
  parseOrThrow(conflictsSchema, conflicts, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'conflicts',
  });
  conflicts.forEach((conflict, i) => {
    const n = conflict.conflictingAgents.length;
    for (const field of ['requestedValues', 'priorities', 'weights'] as const) {
      const list = conflict[field];
      if (list !== undefined && list.length !== n) {
        invalid(
          subject,
          'CONFLICT_MISALIGNED',
          `conflicts.${i}.${field}`,
          `must have one entry per conflicting agent (${n})`,
          list,
        );
      }
    }
    const seen = new Set<string>();
    conflict.conflictingAgents.forEach((agent, j) => {
      if (seen.has(agent))
        invalid(
          subject,
          'INVALID_ARGUMENT',
          `conflicts.${i}.conflictingAgents.${j}`,
          'appears twice',
          agent,
        );
      seen.add(agent);
    });
  });
}
