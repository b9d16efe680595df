import { z } from 'zod';
import { timeoutSchema } from './internal/deadline';
import { parseOptions } from './internal/parse-options';
import { createPredictor, type PredictorOptions } from './internal/predictor';
import { type ToolDefinition, toolSet } from './internal/tool-runner';
import type { Program } from './program';
import type { Signature } from './signature';

export type { ToolCallRecord, ToolContext, ToolDefinition } from './internal/tool-runner';

/** Options of {@link predictWithTools}. */
export interface PredictWithToolsOptions extends PredictorOptions {
  /** The tools the model may call, by name (1-64 letters, digits, `_` or `-`). */
  readonly tools: Readonly<Record<string, ToolDefinition>>;
  /**
   * Most model calls in one call of the program, the final answer's included (default 6, at most
   * 100). The last may not call tools (it is sent with `toolChoice: 'none'`); a model that calls
   * tools there anyway fails the call with `TOOL_STEPS_EXHAUSTED`.
   */
  readonly maxSteps?: number;
  /** Deadline of one tool call, in ms (default 30 000), unless the tool sets its own. */
  readonly toolTimeoutMs?: number;
}

const DEFAULT_MAX_STEPS = 6;
const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

const loopSchema = z.looseObject({
  tools: z.unknown(),
  maxSteps: z.int().positive().max(100).optional(),
  toolTimeoutMs: timeoutSchema.optional(),
});

/**
 * A predictor that lets the model call tools before it answers: each step sends the tools with
 * the conversation so far; the tool calls the model asks for run at once, each under its
 * deadline, and their results (or errors: an unknown tool, arguments that are not JSON, a handler
 * that throws or hangs) go back to the model as tool results, until it answers with the
 * signature's outputs or `maxSteps` is reached. Every step is a trace of its own, with the tool
 * calls it made; the answering step carries the outputs.
 *
 * @example
 * const weather = predictWithTools('city -> forecast', {
 *   lm,
 *   tools: {
 *     get_weather: {
 *       description: 'The weather in a city now',
 *       parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
 *       handler: async ({ city }) => fetchWeather(city),
 *     },
 *   },
 *   maxSteps: 4,
 * });
 * const { forecast } = await weather.call({ city: 'Paris' });
 */
export function predictWithTools<I, O>(
  sig: Signature<I, O>,
  options: PredictWithToolsOptions,
): Program<I, O>;
export function predictWithTools(sig: string, options: PredictWithToolsOptions): Program;
export function predictWithTools<I, O>(
  sig: Signature<I, O> | string,
  options: PredictWithToolsOptions,
): Program<I, O> {
  const subject = 'predictWithTools';
  const { tools, maxSteps, toolTimeoutMs, ...rest } = parseOptions(loopSchema, options, subject);
  return createPredictor<I, O>('tool_loop', sig, rest as PredictorOptions, undefined, {
    tools: toolSet(subject, tools),
    maxSteps: maxSteps ?? DEFAULT_MAX_STEPS,
    toolTimeoutMs: toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
  });
}
