import { createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { conflictKind } from './conflict-kind';
import { consensusKind } from './consensus-kind';
import { negotiationKind } from './negotiation-kind';
import { resourceKind } from './resource-kind';

describe('the conformance checks', () => {
  it('flag a negotiated value outside the constraints, a stranger winner and a missing rationale', () => {
    const input = {
      variableId: 'x',
      preferences: [{ agent: 'a', value: 1, weight: 1 }],
      constraints: { max: 2 },
    };
    expect(negotiationKind.check(input, { value: 1, rationale: 'ok' })).toEqual([]);
    expect(negotiationKind.check(input, { value: 3, rationale: '', winner: 'z' })).toEqual([
      'value 3 breaks the constraints {"max":2}',
      'no rationale',
      'winner z has no preference',
    ]);
  });

  it('flag consensus results that lose a change, invent values or forget the silent', () => {
    const input = {
      voters: [
        { id: 'a', weight: 1 },
        { id: 'b', weight: 1 },
      ],
      proposedChanges: { x: 1, y: 2 },
      votes: [{ agent: 'a', approve: true }],
    };
    const good = {
      accepted: { x: 1 },
      rejected: ['y'],
      absent: ['b'],
      tally: { for: 1, against: 0, absent: 1, total: 2 },
      votes: input.votes,
    };
    expect(consensusKind.check(input, good)).toEqual([]);
    expect(
      consensusKind.check(input, {
        ...good,
        accepted: { x: 5 },
        rejected: [],
        absent: [],
        tally: { for: 9, against: 0, absent: 0, total: 2 },
      }),
    ).toEqual([
      'change x was accepted with another value',
      'change y must be either accepted or rejected',
      'b did not vote and is not named absent',
      'tally counts more than the total',
    ]);
  });

  it('flag resolutions with values nobody asked for', () => {
    const conflict = {
      variableId: 'v',
      conflictingAgents: ['a', 'b'],
      requestedValues: [1, 3],
      conflictType: 'value_incompatible' as const,
    };
    const resolution = {
      variableId: 'v',
      compromiseType: 'priority_override',
      affectedAgents: ['b'],
      resolvedValue: 1,
    };
    expect(conflictKind.check({ conflicts: [conflict] }, [resolution])).toEqual([]);
    expect(
      conflictKind.check({ conflicts: [conflict] }, [
        { ...resolution, resolvedValue: 2, affectedAgents: ['c'] },
      ]),
    ).toEqual([
      'resolution 0 affects an agent outside the conflict',
      'resolution 0 overrides with a value nobody asked for',
    ]);
    expect(
      conflictKind.check({ conflicts: [conflict] }, [
        { ...resolution, compromiseType: 'weighted_average', resolvedValue: 5 },
      ]),
    ).toEqual(['resolution 0 averages outside the requested range']);
  });

  it('flag grants beyond the request or the available amount', () => {
    const input = {
      requests: [
        {
          agent: 'a',
          resourceType: 'gpu',
          amount: 2,
          priority: 1,
          duration: 'indefinite' as const,
        },
      ],
      available: { gpu: 1 },
    };
    expect(
      resourceKind.check(input, {
        grants: [{ agent: 'a', resourceType: 'gpu', grantedAmount: 1 }],
      }),
    ).toEqual([]);
    expect(
      resourceKind.check(input, {
        grants: [{ agent: 'a', resourceType: 'gpu', grantedAmount: 3 }],
      }),
    ).toEqual(['a got more gpu than it asked', '3 gpu granted, 1 available']);
  });

  it('generate the same inputs from the same seed', () => {
    for (const kind of [negotiationKind, consensusKind, conflictKind, resourceKind]) {
      const one = createRandom(5);
      const two = createRandom(5);
      expect(JSON.stringify(kind.generate(two))).toBe(JSON.stringify(kind.generate(one)));
    }
  });
});
