import {
  ConfigurationError,
  choice,
  createRandom,
  createVariableSpace,
  float,
  text,
} from '@varplane/core';

const space = createVariableSpace([
  float('temperature', { range: [0, 2], default: 0.7, precision: 2 }),
  choice('reasoning', { choices: ['predict', 'chain_of_thought'], default: 'predict' }),
  text('hint', {
    default: 'Think step by step.',
    condition: { variable: 'reasoning', when: { equals: 'chain_of_thought' } },
  }),
]);

console.log(space.validate({ temperature: 0.9 })); // { temperature: 0.9, reasoning: 'predict' }
try {
  space.validate({ temperature: 3 });
} catch (error) {
  if (error instanceof ConfigurationError) console.log(error.code); // CONFIGURATION_INVALID
}
const random = createRandom(42);
const config = space.sample(random); // the same on every run with seed 42
const neighbour = space.mutate(config, random, 0.3); // a valid neighbour, for optimizers
console.log(space.check(neighbour).ok); // true
