import { z } from 'zod';
import { createPredictor, type PredictorOptions } from './internal/predictor';
import type { Program } from './program';
import { prependOutputField, type Signature } from './signature';

/** Options of {@link chainOfThought}. */
export type ChainOfThoughtOptions = PredictorOptions;

const reasoning = z
  .string()
  .describe('Think step by step about the inputs before giving the other outputs.');

/**
 * A predictor that reasons first: the signature gains a `reasoning` output, placed before the
 * others so the model writes its reasoning before it commits to an answer. The reasoning comes
 * back with the outputs.
 *
 * @example
 * const solver = chainOfThought('question -> answer: number', { lm });
 * const { reasoning, answer } = await solver.call({ question: 'What is 17 * 3?' });
 */
export function chainOfThought<I, O>(
  sig: Signature<I, O>,
  options?: ChainOfThoughtOptions,
): Program<I, O & { reasoning: string }>;
export function chainOfThought(sig: string, options?: ChainOfThoughtOptions): Program;
export function chainOfThought<I, O>(
  sig: Signature<I, O> | string,
  options?: ChainOfThoughtOptions,
): Program<I, O & { reasoning: string }> {
  return createPredictor<I, O & { reasoning: string }>(
    'chain_of_thought',
    sig as Signature<I, O & { reasoning: string }> | string,
    options,
    (given) =>
      prependOutputField(given, 'reasoning', reasoning) as unknown as Signature<
        I,
        O & { reasoning: string }
      >,
  );
}
