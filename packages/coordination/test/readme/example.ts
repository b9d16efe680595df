import { createCoordinationRegistry, negotiateValue } from '@varplane/coordination';

const registry = createCoordinationRegistry(); // every built-in, registered explicitly
const { value } = await negotiateValue(
  'temperature',
  [
    { agent: 'coder', value: 0.1, weight: 0.4 },
    { agent: 'creative', value: 1.2, weight: 0.3 },
    { agent: 'reviewer', value: 0.3, weight: 0.3 },
  ],
  { registry, strategy: 'weighted_consensus', constraints: { min: 0, max: 2 } },
);
console.log(value); // 0.49
