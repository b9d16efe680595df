import { compare, measure, type Row } from '@varplane/bench-kit';
import { z } from 'zod';
import { createMixedSpace, exampleSchema } from '../src/internal/mixed-space.fixture';
import { createRandom } from '../src/random';

// The same shape as the mixed space, written by hand the way one would without varplane. It checks
// less (no conditions, composites or constraints), so it is the floor validation is held against.
const handWritten = z.object({
  model: z.enum(['gpt-4o', 'gpt-4o-mini', 'llama3']),
  temperature: z.number().min(0).max(2),
  topP: z.number().min(0.1).max(1),
  learningRate: z.number().min(1e-5).max(1e-1),
  maxTokens: z.number().int().min(64).max(4096).multipleOf(64),
  retries: z.number().int().min(0).max(5),
  tokenBudget: z.number().int().optional(),
  costClass: z.enum(['high', 'low']).optional(),
  useTools: z.boolean(),
  toolChoice: z.enum(['auto', 'required', 'none']).optional(),
  maxToolCalls: z.number().int().min(1).max(10).optional(),
  retriever: z.enum(['bm25', 'dense', 'hybrid']),
  rerank: z.boolean().optional(),
  rerankDepth: z.number().int().min(5).max(50).multipleOf(5).optional(),
  instruction: z.string().max(200),
  persona: z.string().max(50),
  examples: z.array(exampleSchema).max(3),
  strategy: z.enum(['predict', 'chain_of_thought', 'react']),
  reactSteps: z.number().int().min(1).max(8).optional(),
  penalty: z.number().min(-2).max(2).optional(),
});

/** Validation, sampling and mutation throughput of a 20-variable space. */
export async function benchVariableSpace(): Promise<Row[]> {
  const space = createMixedSpace();
  const random = createRandom(1);
  // Many distinct inputs, so neither side profits from one hot object shape.
  const inputs = space.sampleMany(256, random);
  for (const input of inputs) handWritten.parse(input);
  let next = 0;
  const pick = () => inputs[next++ & 255] as (typeof inputs)[number];

  // Both sides throw on an invalid input, so a wrong answer fails the benchmark.
  const validate = await compare(
    { name: 'validate', fn: () => space.validate(pick()) },
    { name: 'zod z.object parse', fn: () => handWritten.parse(pick()) },
  );
  const check = await compare(
    { name: 'check', fn: () => space.check(pick()) },
    { name: 'zod z.object parse', fn: () => handWritten.parse(pick()) },
  );
  const roundTrip = await compare(
    { name: 'serialize + parse', fn: () => space.parse(space.serialize(pick())) },
    { name: 'JSON + zod parse', fn: () => handWritten.parse(JSON.parse(JSON.stringify(pick()))) },
  );
  const sample = await measure('sample', () => space.sample(random));
  const mutate = await measure('mutate', () => space.mutate(pick(), random, 0.3));

  return [
    {
      case: 'validate, 20 variables (vs hand-written zod z.object)',
      ...validate,
      goal: '<= 1x zod',
      met: validate.ratio.median <= 1,
    },
    { case: 'check, 20 variables (vs zod)', ...check },
    { case: 'serialize + parse (vs JSON + zod)', ...roundTrip },
    { case: 'sample (with constraint retries)', subject: sample },
    { case: 'mutate, strength 0.3', subject: mutate },
  ];
}
