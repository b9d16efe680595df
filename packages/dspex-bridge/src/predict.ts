import { createPredictor, type PredictorOptions } from './internal/predictor';
import type { Program } from './program';
import type { Signature } from './signature';

/** Options of {@link predict}. */
export type PredictOptions = PredictorOptions;

/**
 * The basic predictor: one model call per call. It formats the instruction, demos and inputs as
 * chat messages, asks for the outputs as JSON (with the outputs' JSON Schema where the model takes
 * structured output) or field markers, parses and validates the reply (re-asking once, by
 * default, when it does not parse), and records a trace. Its variables are `model`,
 * `temperature`, `maxTokens`, `instruction` and `demos`.
 *
 * @example
 * const qa = predict('question -> answer: string', { lm, temperature: 0.2 });
 * const { answer } = await qa.call({ question: 'What is 2 + 3?' });
 * const cooler = qa.withConfig({ temperature: 0 }); // qa is unchanged
 */
export function predict<I, O>(sig: Signature<I, O>, options?: PredictOptions): Program<I, O>;
export function predict(sig: string, options?: PredictOptions): Program;
export function predict<I, O>(
  sig: Signature<I, O> | string,
  options?: PredictOptions,
): Program<I, O> {
  return createPredictor<I, O>('predict', sig, options);
}
