// A 20-variable space with every kind, nested conditions, composites of composites, a frozen
// variable and constraints of both sorts. Shared by the property tests and the benchmark so that
// both exercise the same shape; not exported from the package.
import { z } from 'zod';
import type { Variable } from '../variable';
import { createVariableSpace, type VariableSpace } from '../variable-space';
import { boolean } from '../variables/boolean';
import { choice } from '../variables/choice';
import { composite } from '../variables/composite';
import { demos } from '../variables/demos';
import { float } from '../variables/float';
import { integer } from '../variables/integer';
import { module } from '../variables/module';
import { text } from '../variables/text';

export const exampleSchema = z.object({ question: z.string(), answer: z.string() });

export const examplePool = [
  { question: '2 + 2?', answer: '4' },
  { question: 'Capital of France?', answer: 'Paris' },
  { question: 'H2O is?', answer: 'water' },
  { question: 'Largest planet?', answer: 'Jupiter' },
  { question: 'Author of Hamlet?', answer: 'Shakespeare' },
];

export function mixedVariables(): Variable[] {
  const toolsOn = { variable: 'useTools', when: { equals: true } } as const;
  return [
    // Listed out of dependency order on purpose: the space must sort them.
    composite('costClass', {
      dependencies: ['tokenBudget'],
      compute: ({ tokenBudget }) => ((tokenBudget as number) > 8000 ? 'high' : 'low'),
    }),
    composite('tokenBudget', {
      dependencies: ['maxTokens', 'retries'],
      compute: ({ maxTokens, retries }) => (maxTokens as number) * ((retries as number) + 1),
    }),
    choice('model', { choices: ['gpt-4o', 'gpt-4o-mini', 'llama3'], weights: [2, 1, 1] }),
    float('temperature', { range: [0, 2], default: 0.7, precision: 2 }),
    float('topP', {
      range: [0.1, 1],
      default: 1,
      precision: 2,
      dependencies: ['temperature'],
      constraints: [
        {
          message: 'topP below 0.3 needs a temperature of at most 1.5',
          check: (value, configuration) =>
            (value as number) >= 0.3 || (configuration.temperature as number) <= 1.5,
        },
      ],
    }),
    float('learningRate', { range: [1e-5, 1e-1], default: 1e-3, distribution: 'log' }),
    integer('maxTokens', { range: [64, 4096], step: 64, default: 1024 }),
    integer('retries', { range: [0, 5], default: 1 }),
    boolean('useTools', { default: true }),
    choice('toolChoice', { choices: ['auto', 'required', 'none'], condition: toolsOn }),
    integer('maxToolCalls', { range: [1, 10], default: 3, condition: toolsOn }),
    module('retriever', {
      implementations: [
        { name: 'bm25', capabilities: ['search'] },
        { name: 'dense', capabilities: ['search', 'semantic'] },
        { name: 'hybrid', capabilities: ['search', 'semantic'] },
        { name: 'none', capabilities: [] },
      ],
      requiredCapabilities: ['search'],
    }),
    boolean('rerank', {
      condition: { variable: 'retriever', when: { oneOf: ['dense', 'hybrid'] } },
    }),
    integer('rerankDepth', {
      range: [5, 50],
      step: 5,
      default: 10,
      condition: { variable: 'rerank', when: { equals: true } },
    }),
    text('instruction', {
      default: 'Answer the question.',
      candidates: ['Answer briefly.', 'Think step by step, then answer.'],
      maxLength: 200,
    }),
    text('persona', { default: 'assistant', maxLength: 50, hints: { frozen: true } }),
    demos('examples', { maxCount: 3, schema: exampleSchema, pool: examplePool }),
    choice('strategy', { choices: ['predict', 'chain_of_thought', 'react'] }),
    integer('reactSteps', {
      range: [1, 8],
      default: 4,
      condition: { variable: 'strategy', when: { equals: 'react' } },
    }),
    float('penalty', {
      range: [-2, 2],
      default: 0,
      precision: 1,
      condition: { variable: 'temperature', when: { between: [0.5, 2] } },
    }),
  ];
}

export function createMixedSpace(options: { maxAttempts?: number } = {}): VariableSpace {
  return createVariableSpace(mixedVariables(), {
    ...options,
    constraints: [
      {
        name: 'token-budget',
        paths: ['tokenBudget'],
        check: ({ tokenBudget }) =>
          (tokenBudget as number) <= 20_000 || `budget ${tokenBudget} exceeds 20000`,
      },
    ],
  });
}

/** A valid configuration of the mixed space with every optional branch on. */
export const mixedConfiguration = {
  model: 'gpt-4o',
  temperature: 0.9,
  topP: 0.95,
  learningRate: 0.003,
  maxTokens: 2048,
  retries: 2,
  useTools: true,
  toolChoice: 'auto',
  maxToolCalls: 4,
  retriever: 'hybrid',
  rerank: true,
  rerankDepth: 20,
  instruction: 'Think step by step, then answer.',
  persona: 'assistant',
  examples: [examplePool[0], examplePool[3]],
  strategy: 'react',
  reactSteps: 5,
  penalty: 0.5,
} as const;
