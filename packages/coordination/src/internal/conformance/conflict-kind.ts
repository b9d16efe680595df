import type { ConflictResolutionStrategy, VariableConflict } from '@varplane/core';
import { resolveConflicts } from '../../resolve-conflicts';
import { sameValue } from '../values';
import { type ConflictCase, type KindAdapter, options } from './kind-adapter';

const CONFLICT_TYPES = [
  'value_incompatible',
  'resource_competition',
  'temporal_constraint',
] as const;

export const conflictKind: KindAdapter<ConflictResolutionStrategy, ConflictCase> = {
  method: 'resolve',
  generate(random) {
    const conflicts: VariableConflict[] = [];
    for (let c = random.int(1, 3); c > 0; c--) {
      const n = random.int(2, 4);
      const numeric = random.chance(0.6);
      const draw = () => (numeric ? random.int(0, 100) : random.pick(['a', 'b', 'c']));
      const conflict: VariableConflict = {
        variableId: `variable-${conflicts.length}`,
        conflictingAgents: Array.from({ length: n }, (_, i) => `agent-${i}`),
        requestedValues: Array.from({ length: n }, draw),
        conflictType: random.pick(CONFLICT_TYPES),
      };
      if (random.chance(0.7))
        conflict.priorities = Array.from({ length: n }, () => random.int(0, 5));
      if (random.chance(0.7)) conflict.weights = Array.from({ length: n }, () => random.int(0, 3));
      if (random.chance(0.3))
        conflict.alternatives = Array.from({ length: random.int(1, 3) }, draw);
      conflicts.push(conflict);
    }
    return { conflicts };
  },
  run: (strategy, input, setup) => resolveConflicts(input.conflicts, strategy, options(setup)),
  check(input, result) {
    const resolutions = result as {
      variableId: string;
      resolvedValue: unknown;
      compromiseType: string;
      affectedAgents: string[];
      schedule?: { agent: string; value: unknown }[];
    }[];
    const problems: string[] = [];
    if (resolutions.length !== input.conflicts.length) problems.push('one resolution per conflict');
    resolutions.forEach((r, i) => {
      const conflict = input.conflicts[i] as VariableConflict;
      const requested = (v: unknown) => conflict.requestedValues.some((x) => sameValue(x, v));
      if (r.variableId !== conflict.variableId)
        problems.push(`resolution ${i} is for another variable`);
      if (r.affectedAgents.some((a) => !conflict.conflictingAgents.includes(a))) {
        problems.push(`resolution ${i} affects an agent outside the conflict`);
      }
      if (r.compromiseType === 'priority_override' && !requested(r.resolvedValue)) {
        problems.push(`resolution ${i} overrides with a value nobody asked for`);
      }
      if (
        r.compromiseType === 'alternative_solution' &&
        !(conflict.alternatives ?? []).some((a) => sameValue(a, r.resolvedValue))
      ) {
        problems.push(`resolution ${i} picks an alternative that was not offered`);
      }
      if (r.compromiseType === 'time_sharing') {
        if (r.schedule === undefined || r.schedule.length === 0)
          problems.push(`resolution ${i} shares time without a schedule`);
        else if (r.schedule.some((slot) => !requested(slot.value)))
          problems.push(`resolution ${i} schedules a value nobody asked for`);
      }
      if (r.compromiseType === 'weighted_average') {
        const numbers = conflict.requestedValues as number[];
        const v = r.resolvedValue;
        if (
          typeof v !== 'number' ||
          v < Math.min(...numbers) - 1e-9 ||
          v > Math.max(...numbers) + 1e-9
        ) {
          problems.push(`resolution ${i} averages outside the requested range`);
        }
      }
    });
    return problems;
  },
  expectedErrors: ['CONFLICT_UNRESOLVABLE'],
  badInputs: [
    {
      name: 'values not aligned with the agents',
      code: 'CONFLICT_MISALIGNED',
      conflict: {
        variableId: 'v',
        conflictingAgents: ['a', 'b'],
        requestedValues: [1],
        conflictType: 'value_incompatible',
      },
    },
    {
      name: 'a negative weight',
      code: 'INVALID_ARGUMENT',
      conflict: {
        variableId: 'v',
        conflictingAgents: ['a', 'b'],
        requestedValues: [1, 2],
        weights: [1, -1],
        conflictType: 'value_incompatible',
      },
    },
  ].map(({ conflict, ...bad }) => ({
    ...bad,
    run: (strategy: ConflictResolutionStrategy) =>
      resolveConflicts([conflict as VariableConflict], strategy),
  })),
};
