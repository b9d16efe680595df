import type { ResourceGrant, ResourceRequest } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { attachConditions } from './grant-conditions';

const request = (agent: string, amount: number, priority = 1): ResourceRequest => ({
  agent,
  resourceType: 'gpu',
  amount,
  priority,
  duration: 'indefinite',
});
const grant = (
  agent: string,
  grantedAmount: number,
  conditions: ResourceGrant['conditions'] = [],
): ResourceGrant => ({
  agent,
  resourceType: 'gpu',
  grantedAmount,
  grantDuration: 'indefinite',
  conditions,
});

describe('attachConditions', () => {
  it('adds nothing without a policy', () => {
    const grants = [grant('a', 1)];
    expect(attachConditions(grants, [request('a', 2)], { gpu: 1 }, {})).toEqual(grants);
  });

  it('marks only contended types preemptible and shared', () => {
    const out = attachConditions(
      [grant('a', 2)],
      [request('a', 2, 4)],
      { gpu: 5 },
      { preemptible: true, shareContended: true },
    );
    expect(out[0]?.conditions).toEqual([]);
  });

  it('keeps conditions an allocator set, without repeating them', () => {
    const own = grant('a', 1, [{ type: 'release_on_idle', afterMs: 10 }]);
    const out = attachConditions([own], [request('a', 1)], { gpu: 1 }, { releaseOnIdleMs: 10 });
    expect(out[0]?.conditions).toEqual([{ type: 'release_on_idle', afterMs: 10 }]);
    expect(own.conditions).toHaveLength(1);
  });

  it('makes the largest holder share with each agent left short', () => {
    const out = attachConditions(
      [grant('a', 3), grant('b', 1)],
      [request('a', 3), request('b', 2), request('c', 1)],
      { gpu: 4 },
      { shareContended: true },
    );
    expect(out[0]?.conditions).toEqual([
      { type: 'share_with', agent: 'b' },
      { type: 'share_with', agent: 'c' },
    ]);
    expect(out[1]?.conditions).toEqual([]);
  });
});
