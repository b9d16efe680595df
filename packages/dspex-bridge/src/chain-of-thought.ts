import { createPredictor, type PredictorOptions } from './internal/predictor';
import { REASONING_FIELD, reasoningSchema } from './internal/reasoning-field';
import type { Program } from './program';
import { prependOutputField, type Signature } from './signature';

/** Options of {@link chainOfThought}. */
export type ChainOfThoughtOptions = PredictorOptions;

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
      prependOutputField(given, REASONING_FIELD, reasoningSchema) as unknown as Signature<
        I,
        O & { reasoning: string }
      >,
  );
}
