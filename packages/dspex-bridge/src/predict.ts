import { z } from 'zod';
import { invalidArgument, parseOptions } from './internal/parse-options';
import {
  createPredictor,
  PREDICTOR_REASONING_STRATEGIES,
  type PredictorOptions,
  type PredictorReasoningStrategy,
} from './internal/predictor';
import type { Program } from './program';
import type { Signature } from './signature';

/** Options of {@link predict}. */
export interface PredictOptions extends PredictorOptions {
  /**
   * Default of the `reasoningStrategy` variable (default `predict`): `chain_of_thought` asks the
   * model for a `reasoning` output before the others. The reasoning is kept in the trace; the
   * call returns the signature's outputs either way, so an optimizer may switch it freely.
   */
  readonly reasoningStrategy?: PredictorReasoningStrategy;
}

// The strategies predict carries out.
const strategySchema = z.enum(PREDICTOR_REASONING_STRATEGIES);

/**
 * The basic predictor: one model call per call. It formats the instruction, demos and inputs as
 * chat messages, asks for the outputs as JSON (with the outputs' JSON Schema where the model takes
 * structured output) or field markers, parses and validates the reply (re-asking once, by
 * default, when it does not parse), and records a trace. Its variables are `model`,
 * `temperature`, `maxTokens`, `instruction`, `demos` and `reasoningStrategy` (`predict` or
 * `chain_of_thought`; only `predict` when the signature has a `reasoning` field of its own).
 *
 * @example
 * const qa = predict('question -> answer: string', { lm, temperature: 0.2 });
 * const { answer } = await qa.call({ question: 'What is 2 + 3?' });
 * const cooler = qa.withConfig({ temperature: 0 }); // qa is unchanged
 * const thoughtful = qa.withConfig({ reasoningStrategy: 'chain_of_thought' }); // same outputs
 */
export function predict<I, O>(sig: Signature<I, O>, options?: PredictOptions): Program<I, O>;
export function predict(sig: string, options?: PredictOptions): Program;
export function predict<I, O>(
  sig: Signature<I, O> | string,
  options?: PredictOptions,
): Program<I, O> {
  const { reasoningStrategy, ...rest } = readOptions(options);
  return createPredictor<I, O>(
    'predict',
    sig,
    rest,
    undefined,
    undefined,
    reasoningStrategy ?? 'predict',
  );
}

function readOptions(options: PredictOptions | undefined): PredictOptions {
  if (options === undefined) return {};
  const parsed = parseOptions(
    z.looseObject({ reasoningStrategy: z.unknown().optional() }),
    options,
    'predict',
  );
  const chosen = parsed.reasoningStrategy;
  if (chosen !== undefined && !strategySchema.safeParse(chosen).success) {
    invalidArgument(
      'predict',
      'reasoningStrategy',
      `must be one of ${PREDICTOR_REASONING_STRATEGIES.map((s) => JSON.stringify(s)).join(', ')}`,
      chosen,
    );
  }
  return parsed as PredictOptions;
}
