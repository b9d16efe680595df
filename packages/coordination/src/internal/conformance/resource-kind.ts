import type { ResourceAllocationStrategy, ResourceRequest } from '@varplane/core';
import { coordinateResources } from '../../coordinate-resources';
import { type KindAdapter, options, type ResourceCase } from './kind-adapter';

export const resourceKind: KindAdapter<ResourceAllocationStrategy, ResourceCase> = {
  method: 'allocate',
  generate(random) {
    const types = Array.from({ length: random.int(1, 4) }, (_, k) => `resource-${k}`);
    const available = Object.fromEntries(types.map((t) => [t, random.int(0, 100)]));
    const requests: ResourceRequest[] = [];
    for (let a = random.int(1, 8); a > 0; a--) {
      const agent = `agent-${a}`;
      const wanted = types.filter(() => random.chance(0.6));
      for (const resourceType of wanted.length > 0 ? wanted : [random.pick(types)]) {
        requests.push({
          agent,
          resourceType,
          amount: random.int(1, 50),
          priority: random.int(1, 5),
          duration: random.chance(0.5) ? 'indefinite' : random.int(1_000, 60_000),
        });
      }
    }
    return { requests, available };
  },
  run: (strategy, input, setup) =>
    coordinateResources(input.requests, input.available, { ...options(setup), strategy }),
  check(input, result) {
    const { grants } = result as {
      grants: { agent: string; resourceType: string; grantedAmount: number }[];
    };
    const problems: string[] = [];
    const used = new Map<string, number>();
    for (const grant of grants) {
      const request = input.requests.find(
        (r) => r.agent === grant.agent && r.resourceType === grant.resourceType,
      );
      if (request === undefined)
        problems.push(`${grant.agent} got ${grant.resourceType} it never asked for`);
      else if (grant.grantedAmount > request.amount)
        problems.push(`${grant.agent} got more ${grant.resourceType} than it asked`);
      if (!Number.isInteger(grant.grantedAmount) || grant.grantedAmount < 0)
        problems.push('a grant is not a whole number of units');
      used.set(grant.resourceType, (used.get(grant.resourceType) ?? 0) + grant.grantedAmount);
    }
    for (const [type, amount] of used) {
      if (amount > (input.available[type] ?? 0))
        problems.push(`${amount} ${type} granted, ${input.available[type]} available`);
    }
    return problems;
  },
  expectedErrors: [],
  badInputs: [
    {
      name: 'a request for an unknown resource',
      code: 'RESOURCE_UNKNOWN',
      requests: [
        { agent: 'a', resourceType: 'unobtainium', amount: 1, priority: 1, duration: 'indefinite' },
      ],
      available: { gpu: 1 },
    },
    {
      name: 'a request for no units',
      code: 'RESOURCE_INVALID_AMOUNT',
      requests: [
        { agent: 'a', resourceType: 'gpu', amount: 0, priority: 1, duration: 'indefinite' },
      ],
      available: { gpu: 1 },
    },
    {
      name: 'a negative amount available',
      code: 'RESOURCE_INVALID_AMOUNT',
      requests: [],
      available: { gpu: -1 },
    },
    {
      name: 'two requests of one agent for one type',
      code: 'RESOURCE_DUPLICATE_REQUEST',
      requests: [
        { agent: 'a', resourceType: 'gpu', amount: 1, priority: 1, duration: 'indefinite' },
        { agent: 'a', resourceType: 'gpu', amount: 2, priority: 1, duration: 'indefinite' },
      ],
      available: { gpu: 1 },
    },
  ].map(({ requests, available, ...bad }) => ({
    ...bad,
    run: (strategy: ResourceAllocationStrategy) =>
      coordinateResources(requests as ResourceRequest[], available, { strategy }),
  })),
};
