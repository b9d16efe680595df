import type { ResourceAllocationStrategy, ResourceGrant, ResourceRequest } from '@varplane/core';
import { z } from 'zod';
import { grantsFrom, indicesByType, unitsOf, wholeUnits } from './internal/allocation';
import { parseOrThrow } from './internal/parse';
import { checkAllocation, checkAllocationInput } from './internal/strategy-input';

/** Options of {@link createDominantResourceFairness}. */
export interface DominantResourceFairnessOptions {
  /** The name it registers under (default `dominant_resource_fairness`). */
  name?: string;
}

const optionsSchema = z.strictObject({ name: z.string().min(1).optional() });

/** One agent's demand across types: request indices and amounts, aligned with `types`. */
interface Demand {
  /** Request index per demanded type. */
  requests: number[];
  /** Type index per demanded type. */
  types: number[];
  amounts: number[];
  /** Dominant share of the whole demand: the largest amount / capacity over its types. */
  dominant: number;
  /** Fraction of its demand the agent ends with, once frozen. */
  fraction: number;
  frozen: boolean;
}

/**
 * Continuous DRF by progressive filling: every agent's dominant share rises at the same pace,
 * each agent receiving its demand vector scaled to that share, until the agent is fully served or
 * a resource it needs runs out; then it stops and the others go on. Returns the fractional amount
 * per request.
 */
export function dominantShares(
  requests: readonly ResourceRequest[],
  available: Readonly<Record<string, number>>,
): number[] {
  checkAllocationInput('dominantShares', requests, available);
  const typeNames = [...indicesByType(requests).keys()];
  const typeIndex = new Map(typeNames.map((t, k) => [t, k]));
  const capacity = typeNames.map((t) => unitsOf(available, t));
  const byAgent = new Map<string, Demand>();
  requests.forEach((request, i) => {
    let demand = byAgent.get(request.agent);
    if (demand === undefined) {
      demand = { requests: [], types: [], amounts: [], dominant: 0, fraction: 0, frozen: false };
      byAgent.set(request.agent, demand);
    }
    const t = typeIndex.get(request.resourceType) as number;
    demand.requests.push(i);
    demand.types.push(t);
    demand.amounts.push(request.amount);
    const cap = capacity[t] as number;
    demand.dominant = Math.max(
      demand.dominant,
      cap > 0 ? request.amount / cap : Number.POSITIVE_INFINITY,
    );
  });

  // A demand on an exhausted type can never be met in proportion: such agents get nothing.
  const active = [...byAgent.values()].filter((d) => {
    if (Number.isFinite(d.dominant) && d.dominant > 0) return true;
    d.frozen = true;
    return false;
  });
  active.sort((a, b) => a.dominant - b.dominant);
  // Per type: the rate its use grows per unit of dominant share, what frozen agents hold, and how
  // many active agents still draw on it (so a type nobody draws on is never the next to run out).
  const rate = typeNames.map(() => 0);
  const used = typeNames.map(() => 0);
  const users = typeNames.map(() => 0);
  for (const d of active) {
    d.types.forEach((t, k) => {
      rate[t] = (rate[t] as number) + (d.amounts[k] as number) / d.dominant;
      users[t] = (users[t] as number) + 1;
    });
  }
  const freeze = (d: Demand, fraction: number) => {
    d.frozen = true;
    d.fraction = Math.min(1, Math.max(0, fraction));
    d.types.forEach((t, k) => {
      used[t] = (used[t] as number) + (d.amounts[k] as number) * d.fraction;
      rate[t] = (rate[t] as number) - (d.amounts[k] as number) / d.dominant;
      users[t] = (users[t] as number) - 1;
    });
  };

  let level = 0;
  let next = 0;
  let remaining = active.length;
  while (remaining > 0) {
    while ((active[next] as Demand).frozen) next++;
    const finishing = active[next] as Demand;
    let saturated = -1;
    let saturation = Number.POSITIVE_INFINITY;
    for (let t = 0; t < typeNames.length; t++) {
      if ((users[t] as number) === 0) continue;
      const at =
        ((capacity[t] as number) - (used[t] as number)) /
        Math.max(rate[t] as number, Number.MIN_VALUE);
      if (at < saturation) {
        saturation = at;
        saturated = t;
      }
    }
    if (finishing.dominant <= saturation) {
      level = finishing.dominant;
      freeze(finishing, 1);
      remaining--;
      continue;
    }
    level = Math.max(level, saturation);
    for (const d of active) {
      if (!d.frozen && d.types.includes(saturated)) {
        freeze(d, level / d.dominant);
        remaining--;
      }
    }
  }

  const shares = requests.map(() => 0);
  for (const d of byAgent.values()) {
    d.requests.forEach((i, k) => {
      shares[i] = (d.amounts[k] as number) * d.fraction;
    });
  }
  return shares;
}

/**
 * Dominant resource fairness (`dominant_resource_fairness`, Ghodsi et al., NSDI 2011) for several
 * resource types at once: an agent's requests form one demand vector, and allocation equalizes the
 * agents' dominant shares (the largest share of any one type an agent holds), by progressive
 * filling, so no agent prefers another's allocation and none can gain without another losing.
 * Grants are whole units.
 *
 * @example
 * await coordinateResources(
 *   [{ agent: 'a', resourceType: 'cpu', amount: 1, priority: 1, duration: 'indefinite' },
 *    { agent: 'a', resourceType: 'memory', amount: 4, priority: 1, duration: 'indefinite' }, ...],
 *   { cpu: 9, memory: 18 },
 *   { strategy: 'dominant_resource_fairness' },
 * );
 */
export function createDominantResourceFairness(
  options: DominantResourceFairnessOptions = {},
): ResourceAllocationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createDominantResourceFairness',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'resource-allocation',
    name: opts.name ?? 'dominant_resource_fairness',
    specificationVersion: 'v1',
    description: "Equalizes the agents' dominant shares across resource types.",
    allocate(requests, available, context): ResourceGrant[] {
      checkAllocation('dominant_resource_fairness.allocate', requests, available, context);
      const shares = dominantShares(requests, available);
      const amounts = requests.map(() => 0);
      for (const [type, indices] of indicesByType(requests)) {
        wholeUnits(
          requests,
          indices,
          indices.map((i) => shares[i] as number),
          unitsOf(available, type),
          amounts,
        );
      }
      return grantsFrom(requests, amounts);
    },
  };
}
