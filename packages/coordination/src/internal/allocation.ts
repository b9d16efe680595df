import type { ResourceGrant, ResourceRequest } from '@varplane/core';
import { byAgentId } from './values';

/** Request indices grouped by resource type, in request order. */
export function indicesByType(requests: readonly ResourceRequest[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  requests.forEach((request, i) => {
    const list = out.get(request.resourceType);
    if (list === undefined) out.set(request.resourceType, [i]);
    else list.push(i);
  });
  return out;
}

/** Whole units available of a type: amounts are counted in whole units. */
export function unitsOf(available: Readonly<Record<string, number>>, type: string): number {
  return Math.max(0, Math.floor(available[type] ?? 0));
}

/**
 * Turns fractional shares of one type into whole units: each request keeps the whole part of its
 * share, and the units the fractions add up to go to the largest fractions (equal fractions: the
 * higher priority, then the smaller agent id). Never more than a request asked for, and never more
 * than `units` in all.
 */
export function wholeUnits(
  requests: readonly ResourceRequest[],
  indices: readonly number[],
  shares: readonly number[],
  units: number,
  out: number[],
): void {
  let given = 0;
  let fraction = 0;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    const share = Math.max(0, shares[k] as number);
    const whole = Math.min((requests[i] as ResourceRequest).amount, Math.floor(share));
    out[i] = whole;
    given += whole;
    fraction += share - whole;
  }
  // Shares that sum past `units` by float error must not cost the invariant: trim from the end.
  for (let k = indices.length - 1; given > units && k >= 0; k--) {
    const i = indices[k] as number;
    const cut = Math.min(out[i] as number, given - units);
    out[i] = (out[i] as number) - cut;
    given -= cut;
  }
  let left = Math.min(units - given, Math.round(fraction));
  if (left <= 0) return;
  const order = indices
    .map((i, k) => ({ i, rest: Math.max(0, (shares[k] as number) - (out[i] as number)) }))
    .filter(
      ({ i, rest }) => rest > 0 && (out[i] as number) < (requests[i] as ResourceRequest).amount,
    )
    .sort((a, b) => {
      const ra = requests[a.i] as ResourceRequest;
      const rb = requests[b.i] as ResourceRequest;
      return b.rest - a.rest || rb.priority - ra.priority || byAgentId(ra.agent, rb.agent);
    });
  for (const { i } of order) {
    if (left <= 0) break;
    out[i] = (out[i] as number) + 1;
    left -= 1;
  }
}

/**
 * Weighted max-min fair shares of `capacity` (water filling): every request gets the same amount
 * per unit of weight, capped at what it asked for, and what the capped ones leave is shared again.
 * A request of weight 0 gets nothing.
 */
export function waterFill(
  demands: readonly number[],
  weights: readonly number[],
  capacity: number,
): number[] {
  const shares = demands.map(() => 0);
  const order = demands
    .map((_, k) => k)
    .filter((k) => (weights[k] as number) > 0)
    .sort(
      (a, b) =>
        (demands[a] as number) / (weights[a] as number) -
        (demands[b] as number) / (weights[b] as number),
    );
  let left = capacity;
  let weight = order.reduce((s, k) => s + (weights[k] as number), 0);
  for (let n = 0; n < order.length; n++) {
    const k = order[n] as number;
    const fair = (left * (weights[k] as number)) / weight;
    if ((demands[k] as number) <= fair) {
      shares[k] = demands[k] as number;
      left -= demands[k] as number;
      weight -= weights[k] as number;
      continue;
    }
    const level = left / weight;
    for (let m = n; m < order.length; m++) {
      const j = order[m] as number;
      shares[j] = level * (weights[j] as number);
    }
    break;
  }
  return shares;
}

/** Grants for the requests that got something, in request order. */
export function grantsFrom(
  requests: readonly ResourceRequest[],
  amounts: readonly number[],
): ResourceGrant[] {
  const grants: ResourceGrant[] = [];
  requests.forEach((request, i) => {
    const grantedAmount = amounts[i] ?? 0;
    if (grantedAmount > 0) {
      grants.push({
        agent: request.agent,
        resourceType: request.resourceType,
        grantedAmount,
        grantDuration: request.duration,
        conditions: [],
      });
    }
  });
  return grants;
}

/** Allocates each type on its own with `share`, then rounds to whole units. */
export function allocatePerType(
  requests: readonly ResourceRequest[],
  available: Readonly<Record<string, number>>,
  share: (requests: readonly ResourceRequest[], units: number) => number[],
): ResourceGrant[] {
  const amounts = requests.map(() => 0);
  for (const [type, indices] of indicesByType(requests)) {
    const units = unitsOf(available, type);
    const group = indices.map((i) => requests[i] as ResourceRequest);
    wholeUnits(requests, indices, share(group, units), units, amounts);
  }
  return grantsFrom(requests, amounts);
}

/**
 * Finds a request by agent and type. Nested maps keep the callers' own strings as keys, whose
 * hashes are cached, where a joined key would build and hash a new string per lookup.
 */
export class RequestIndex {
  private readonly byAgent = new Map<string, Map<string, number>>();
  /** The first request that repeats an earlier agent and type, if any. */
  readonly duplicate: number | undefined;

  constructor(readonly requests: readonly ResourceRequest[]) {
    let duplicate: number | undefined;
    requests.forEach((r, i) => {
      let types = this.byAgent.get(r.agent);
      if (types === undefined) {
        types = new Map();
        this.byAgent.set(r.agent, types);
      }
      if (types.has(r.resourceType)) duplicate ??= i;
      else types.set(r.resourceType, i);
    });
    this.duplicate = duplicate;
  }

  /** The index of the request, or -1. */
  indexOf(agent: string, resourceType: string): number {
    return this.byAgent.get(agent)?.get(resourceType) ?? -1;
  }
}
