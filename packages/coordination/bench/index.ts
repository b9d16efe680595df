/**
 * Benchmarks of the coordination hot paths, each beside a hand-written loop that computes the same
 * answer in the same run: weighted consensus over 10,000 preferences, a Vickrey auction with 10,000
 * bids, and dominant resource fairness over 1,000 requests of 4 resource types.
 */
import { deepStrictEqual } from 'node:assert';
import { compare, type Row, report } from '@varplane/bench-kit';
import {
  createRandom,
  type Preference,
  type ResourceGrant,
  type ResourceRequest,
} from '@varplane/core';
import { coordinateResources, createCoordinationRegistry, negotiateValue } from '../src/index';

const registry = createCoordinationRegistry();
const random = createRandom(2024);

// ---------------------------------------------------------------------------------------------
// Weighted consensus over 10,000 preferences

const preferences: Preference[] = Array.from({ length: 10_000 }, (_, i) => ({
  agent: `agent-${i}`,
  value: random.float(0, 2),
  weight: random.float(0.01, 1),
}));
const constraints = { min: 0, max: 2, step: 0.01 };

function consensusLoop(prefs: readonly Preference[]): number {
  let sum = 0;
  let total = 0;
  for (const p of prefs) {
    sum += (p.value as number) * p.weight;
    total += p.weight;
  }
  const mean = Math.min(2, Math.max(0, sum / total));
  return Number((Math.round(mean / 0.01) * 0.01).toPrecision(15));
}

const consensus = () => negotiateValue('temperature', preferences, { registry, constraints });

// ---------------------------------------------------------------------------------------------
// Vickrey auction with 10,000 bids

const bids: Preference[] = Array.from({ length: 10_000 }, (_, i) => ({
  agent: `bidder-${i}`,
  value: `plan-${i}`,
  weight: 1,
  budget: random.int(0, 1_000_000),
}));

function vickreyLoop(all: readonly Preference[]): { winner: string; price: number } {
  let first: Preference | undefined;
  let second: Preference | undefined;
  const beats = (a: Preference, b: Preference) =>
    (a.budget as number) > (b.budget as number) || (a.budget === b.budget && a.agent < b.agent);
  for (const bid of all) {
    if (first === undefined || beats(bid, first)) {
      second = first;
      first = bid;
    } else if (second === undefined || beats(bid, second)) {
      second = bid;
    }
  }
  return { winner: (first as Preference).agent, price: (second as Preference).budget as number };
}

const vickrey = () => negotiateValue('slot', bids, { registry, strategy: 'vickrey' });

// ---------------------------------------------------------------------------------------------
// Dominant resource fairness: 250 agents x 4 resource types = 1,000 requests

const types = ['cpu', 'memory', 'gpu', 'tokens'] as const;
const requests: ResourceRequest[] = [];
for (let a = 0; a < 250; a++) {
  for (const resourceType of types) {
    requests.push({
      agent: `agent-${String(a).padStart(3, '0')}`,
      resourceType,
      amount: random.int(1, 100),
      priority: random.int(1, 5),
      duration: 'indefinite',
    });
  }
}
const available: Record<string, number> = { cpu: 6_000, memory: 9_000, gpu: 4_000, tokens: 12_000 };

/** DRF by progressive filling on flat arrays, for agents that each ask for every type. */
function drfLoop(
  reqs: readonly ResourceRequest[],
  capacity: Readonly<Record<string, number>>,
): number[] {
  const m = types.length;
  const n = reqs.length / m;
  const cap = types.map((t) => capacity[t] as number);
  const demand = new Float64Array(n * m);
  const dominant = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    for (let r = 0; r < m; r++) {
      const amount = (reqs[a * m + r] as ResourceRequest).amount;
      demand[a * m + r] = amount;
      dominant[a] = Math.max(dominant[a] as number, amount / (cap[r] as number));
    }
  }
  const order = Array.from({ length: n }, (_, a) => a).sort(
    (x, y) => (dominant[x] as number) - (dominant[y] as number),
  );
  const fraction = new Float64Array(n);
  const frozen = new Uint8Array(n);
  const rate = new Float64Array(m);
  const used = new Float64Array(m);
  const users = new Int32Array(m);
  for (const a of order) {
    for (let r = 0; r < m; r++) {
      rate[r] = (rate[r] as number) + (demand[a * m + r] as number) / (dominant[a] as number);
      users[r] = (users[r] as number) + 1;
    }
  }
  const freeze = (a: number, f: number) => {
    frozen[a] = 1;
    fraction[a] = Math.min(1, Math.max(0, f));
    for (let r = 0; r < m; r++) {
      used[r] = (used[r] as number) + (demand[a * m + r] as number) * (fraction[a] as number);
      rate[r] = (rate[r] as number) - (demand[a * m + r] as number) / (dominant[a] as number);
      users[r] = (users[r] as number) - 1;
    }
  };
  let level = 0;
  let next = 0;
  let remaining = n;
  while (remaining > 0) {
    while (frozen[order[next] as number]) next++;
    const a = order[next] as number;
    let saturated = -1;
    let saturation = Number.POSITIVE_INFINITY;
    for (let r = 0; r < m; r++) {
      if (users[r] === 0) continue;
      const at =
        ((cap[r] as number) - (used[r] as number)) / Math.max(rate[r] as number, Number.MIN_VALUE);
      if (at < saturation) {
        saturation = at;
        saturated = r;
      }
    }
    if ((dominant[a] as number) <= saturation) {
      level = dominant[a] as number;
      freeze(a, 1);
      remaining--;
      continue;
    }
    level = Math.max(level, saturation);
    for (const b of order) {
      if (!frozen[b] && (demand[b * m + saturated] as number) > 0) {
        freeze(b, level / (dominant[b] as number));
        remaining--;
      }
    }
  }
  // Whole units per type: floors, then the fractions' units to the largest remainders.
  const out: number[] = new Array(reqs.length).fill(0);
  for (let r = 0; r < m; r++) {
    let given = 0;
    let rest = 0;
    const remainders: { i: number; rest: number }[] = [];
    for (let a = 0; a < n; a++) {
      const i = a * m + r;
      const share = (demand[i] as number) * (fraction[a] as number);
      const whole = Math.min(demand[i] as number, Math.floor(share));
      out[i] = whole;
      given += whole;
      rest += share - whole;
      if (share - whole > 0 && whole < (demand[i] as number))
        remainders.push({ i, rest: share - whole });
    }
    let left = Math.min((cap[r] as number) - given, Math.round(rest));
    remainders.sort((x, y) => {
      const rx = reqs[x.i] as ResourceRequest;
      const ry = reqs[y.i] as ResourceRequest;
      return (
        y.rest - x.rest ||
        ry.priority - rx.priority ||
        (rx.agent < ry.agent ? -1 : rx.agent > ry.agent ? 1 : 0)
      );
    });
    for (const { i } of remainders) {
      if (left <= 0) break;
      out[i] = (out[i] as number) + 1;
      left--;
    }
  }
  return out;
}

const drf = () =>
  coordinateResources(requests, available, { registry, strategy: 'dominant_resource_fairness' });

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // The baselines must compute the same answers, or the ratios mean nothing.
  deepStrictEqual((await consensus()).value, consensusLoop(preferences));
  const auction = await vickrey();
  deepStrictEqual({ winner: auction.winner, price: auction.price }, vickreyLoop(bids));
  const granted = new Map(
    (await drf()).grants.map((g: ResourceGrant) => [
      `${g.agent}/${g.resourceType}`,
      g.grantedAmount,
    ]),
  );
  deepStrictEqual(
    requests.map((r) => granted.get(`${r.agent}/${r.resourceType}`) ?? 0),
    drfLoop(requests, available),
  );

  const rows: Row[] = [
    {
      case: 'weighted consensus, 10,000 preferences',
      ...(await compare(
        { name: 'negotiateValue weighted_consensus', fn: consensus },
        { name: 'hand-written weighted mean', fn: () => consensusLoop(preferences) },
      )),
    },
    {
      case: 'Vickrey auction, 10,000 bids',
      ...(await compare(
        { name: 'negotiateValue vickrey', fn: vickrey },
        { name: 'hand-written top-two loop', fn: () => vickreyLoop(bids) },
      )),
    },
    {
      case: 'DRF, 1,000 requests x 4 types',
      ...(await compare(
        { name: 'coordinateResources dominant_resource_fairness', fn: drf },
        { name: 'hand-written DRF on flat arrays', fn: () => drfLoop(requests, available) },
      )),
    },
  ];
  report('@varplane/coordination (time per call)', rows);
}

await main();
