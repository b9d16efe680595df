import { createCoordinationRegistry, negotiateValue } from '@varplane/coordination';
import { createNashBargaining } from './nash-bargaining';

const preferences = [
  { agent: 'coder', value: 0.1, weight: 0.4 },
  { agent: 'creative', value: 1.2, weight: 0.3 },
  { agent: 'reviewer', value: 0.3, weight: 0.3 },
];
const registry = createCoordinationRegistry([createNashBargaining()]); // built-ins + yours
const { value } = await negotiateValue('temperature', preferences, {
  registry,
  strategy: 'nash_bargaining',
  constraints: { min: 0, max: 2, step: 0.1 },
});
console.log(value); // 0.3
