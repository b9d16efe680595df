import type { ResourceCondition, ResourceGrant, ResourceRequest } from '@varplane/core';
import { z } from 'zod';
import { indicesByType, RequestIndex, unitsOf } from './internal/allocation';
import { parseOrThrow } from './internal/parse';
import { checkAllocationInput } from './internal/strategy-input';

const grantsSchema = z.array(
  z.looseObject({
    agent: z.string(),
    resourceType: z.string(),
    grantedAmount: z.number(),
    conditions: z.array(z.unknown()),
  }),
);

const policySchema = z.strictObject({
  releaseOnIdleMs: z.number().int().positive().optional(),
  preemptible: z.boolean().optional(),
  shareContended: z.boolean().optional(),
});

/** Which of the card's conditions grants carry. All are off by default. */
export interface GrantConditionPolicy {
  /** Grants held `indefinite`ly are released after this many idle ms (`release_on_idle`). */
  releaseOnIdleMs?: number;
  /**
   * Grants of a contended type (asked for beyond what is available) may be taken back by a request
   * of higher priority (`priority_preemption` at the grantee's priority + 1).
   */
  preemptible?: boolean;
  /**
   * On a contended type, the largest grant must be shared with each agent left short of its request
   * (`share_with`).
   */
  shareContended?: boolean;
}

function sameCondition(a: ResourceCondition, b: ResourceCondition): boolean {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'release_on_idle':
      return a.afterMs === (b as typeof a).afterMs;
    case 'share_with':
      return a.agent === (b as typeof a).agent;
    case 'priority_preemption':
      return a.priority === (b as typeof a).priority;
  }
}

/**
 * Adds the conditions `policy` asks for to the grants, keeping those an allocator set itself.
 * Returns new grant objects; the inputs are left alone.
 *
 * @example
 * attachConditions(grants, requests, { gpu: 2 }, { releaseOnIdleMs: 30_000, preemptible: true });
 */
export function attachConditions(
  grants: readonly ResourceGrant[],
  requests: readonly ResourceRequest[],
  available: Readonly<Record<string, number>>,
  policy: GrantConditionPolicy,
): ResourceGrant[] {
  parseOrThrow(grantsSchema, grants, {
    subject: 'attachConditions',
    code: 'INVALID_ARGUMENT',
    prefix: 'grants',
  });
  checkAllocationInput('attachConditions', requests, available);
  parseOrThrow(policySchema, policy, {
    subject: 'attachConditions',
    code: 'INVALID_ARGUMENT',
    prefix: 'policy',
  });
  const contended = new Set<string>();
  for (const [type, indices] of indicesByType(requests)) {
    const asked = indices.reduce((s, i) => s + (requests[i] as ResourceRequest).amount, 0);
    if (asked > unitsOf(available, type)) contended.add(type);
  }
  const index = new RequestIndex(requests);
  const granted = new Float64Array(requests.length);
  for (const g of grants) {
    const i = index.indexOf(g.agent, g.resourceType);
    if (i >= 0) granted[i] = g.grantedAmount;
  }
  // The largest grant of each contended type, and who was left short on it.
  const largest = new Map<string, ResourceGrant>();
  for (const grant of grants) {
    const held = largest.get(grant.resourceType);
    if (held === undefined || grant.grantedAmount > held.grantedAmount)
      largest.set(grant.resourceType, grant);
  }
  const short = new Map<string, string[]>();
  requests.forEach((r, i) => {
    if ((granted[i] as number) < r.amount) {
      short.set(r.resourceType, [...(short.get(r.resourceType) ?? []), r.agent]);
    }
  });

  return grants.map((grant) => {
    const conditions = [...grant.conditions];
    const add = (condition: ResourceCondition) => {
      if (!conditions.some((c) => sameCondition(c, condition))) conditions.push(condition);
    };
    if (policy.releaseOnIdleMs !== undefined && grant.grantDuration === 'indefinite') {
      add({ type: 'release_on_idle', afterMs: policy.releaseOnIdleMs });
    }
    if (contended.has(grant.resourceType)) {
      const request = requests[index.indexOf(grant.agent, grant.resourceType)];
      if (policy.preemptible === true && request !== undefined) {
        add({ type: 'priority_preemption', priority: request.priority + 1 });
      }
      if (policy.shareContended === true && largest.get(grant.resourceType) === grant) {
        for (const agent of short.get(grant.resourceType) ?? []) {
          if (agent !== grant.agent) add({ type: 'share_with', agent });
        }
      }
    }
    return { ...grant, conditions };
  });
}
