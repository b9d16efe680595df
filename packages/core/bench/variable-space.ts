import { measure, type Row } from '@varplane/bench-kit';
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

  const validate = await measure('validate', () => space.validate(pick()));
  const zodParse = await measure('zod z.object parse', () => handWritten.parse(pick()));
  const check = await measure('check', () => space.check(pick()));
  const sample = await measure('sample', () => space.sample(random));
  const mutate = await measure('mutate', () => space.mutate(pick(), random, 0.3));
  const roundTrip = await measure('serialize + parse', () => space.parse(space.serialize(pick())));
  const jsonBaseline = await measure('JSON + zod parse', () =>
    handWritten.parse(JSON.parse(JSON.stringify(pick()))),
  );

  return [
    {
      case: 'validate, 20 variables (vs hand-written zod z.object)',
      subject: validate,
      baseline: zodParse,
      goal: '<= 1x zod',
      met: validate.nsPerOp <= zodParse.nsPerOp,
    },
    { case: 'check, 20 variables (vs zod)', subject: check, baseline: zodParse },
    { case: 'serialize + parse (vs JSON + zod)', subject: roundTrip, baseline: jsonBaseline },
    { case: 'sample (with constraint retries)', subject: sample },
    { case: 'mutate, strength 0.3', subject: mutate },
  ];
}
