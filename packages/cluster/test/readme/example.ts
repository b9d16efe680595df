import { distributeAgents } from '@varplane/cluster';

const plan = distributeAgents(
  [
    { id: 'coder', demand: { memory: 512 } },
    { id: 'reviewer', demand: { memory: 256 } },
  ],
  [
    { id: 'n1', capacity: { memory: 600 } },
    { id: 'n2', capacity: { memory: 600 } },
  ],
  { strategy: 'resource_aware' },
);
console.log(plan.placements); // { coder: 'n1', reviewer: 'n2' }
