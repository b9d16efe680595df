import { z } from 'zod';
import { describeValue, InvalidArgumentError } from './errors';
import { functionSchema } from './internal/define-variable';
import { guardInput } from './internal/guard';
import { parseOrThrow } from './internal/parse';
import type { ChoiceVariable, FloatVariable, IntegerVariable } from './variable';
import {
  createVariableSpace,
  type SpaceConstraint,
  type VariableSpace,
  type VariableSpaceOptions,
} from './variable-space';
import { type ChoiceOptions, choice } from './variables/choice';
import { type FloatOptions, float } from './variables/float';
import { type IntegerOptions, integer } from './variables/integer';

/** Options of a preset variable: any option of its kind, and its id, may be overridden. */
export type PresetOptions<O> = Partial<O> & { readonly id?: string };

/** Reasoning strategies a program can wrap a model call in (DSPy's module names). */
export const REASONING_STRATEGIES = [
  'predict',
  'chain_of_thought',
  'react',
  'program_of_thought',
  'multi_chain_comparison',
] as const;

function presetFloat(
  id: string,
  defaults: FloatOptions,
  input: PresetOptions<FloatOptions>,
): FloatVariable {
  const { id: given, ...options } = presetOptions(id, input);
  return float(given ?? id, { ...defaults, ...options });
}

/** A preset's options, refused with the preset's name when they are not an object. */
function presetOptions<O>(preset: string, options: O): O {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `${preset}: options must be an object (got ${describeValue(options)})`,
      issues: [{ path: 'options', message: 'must be an object', value: options }],
    });
  }
  // One guarded copy: a getter that throws is refused here, with the preset's name.
  return guardInput(preset, 'options', options, () => ({ ...options }));
}

/**
 * Sampling temperature, 0 to 2 (default 0.7, two decimals).
 *
 * @example
 * temperature({ range: [0, 1], default: 0.2 });
 */
export function temperature(options: PresetOptions<FloatOptions> = {}): FloatVariable {
  const description = 'Sampling temperature: higher is more varied.';
  return presetFloat(
    'temperature',
    { range: [0, 2], default: 0.7, precision: 2, description },
    options,
  );
}

/** Nucleus sampling mass, 0 to 1 (default 1, two decimals). */
export function topP(options: PresetOptions<FloatOptions> = {}): FloatVariable {
  const description = 'Nucleus sampling: the probability mass tokens are drawn from.';
  return presetFloat('topP', { range: [0, 1], default: 1, precision: 2, description }, options);
}

/** Penalty on tokens by how often they appeared, -2 to 2 (default 0). */
export function frequencyPenalty(options: PresetOptions<FloatOptions> = {}): FloatVariable {
  const description = 'Penalizes tokens by how often they already appeared.';
  return presetFloat(
    'frequencyPenalty',
    { range: [-2, 2], default: 0, precision: 2, description },
    options,
  );
}

/** Penalty on tokens that appeared at all, -2 to 2 (default 0). */
export function presencePenalty(options: PresetOptions<FloatOptions> = {}): FloatVariable {
  const description = 'Penalizes tokens that already appeared at all.';
  return presetFloat(
    'presencePenalty',
    { range: [-2, 2], default: 0, precision: 2, description },
    options,
  );
}

/** Most tokens a completion may produce, 1 to 4096 by default (default 1024). */
export function maxTokens(input: PresetOptions<IntegerOptions> = {}): IntegerVariable {
  const { id, ...options } = presetOptions('maxTokens', input);
  const description = 'Most tokens a completion may produce.';
  return integer(id ?? 'maxTokens', { range: [1, 4096], default: 1024, description, ...options });
}

/** How a program wraps its model calls: one of {@link REASONING_STRATEGIES} by default. */
export function reasoningStrategy(
  input: PresetOptions<ChoiceOptions<string>> = {},
): ChoiceVariable<string> {
  const { id, ...options } = presetOptions('reasoningStrategy', input);
  const description = 'How the program reasons around its model calls.';
  return choice(id ?? 'reasoningStrategy', {
    choices: REASONING_STRATEGIES,
    default: 'predict',
    description,
    ...options,
  });
}

/** A model a {@link languageModelSpace} may choose. */
export interface LanguageModelChoice {
  readonly provider: string;
  readonly model: string;
  /** Tokens the model reads and writes in one call; `maxTokens` may not exceed it. */
  readonly contextWindow: number;
}

/** Options of {@link languageModelSpace}. */
export interface LanguageModelSpaceOptions {
  /** The first is the default. */
  readonly models: readonly LanguageModelChoice[];
  /** Default: {@link REASONING_STRATEGIES}. */
  readonly reasoningStrategies?: readonly string[];
  /** Default range: 1 to the largest context window, capped at 16384. */
  readonly maxTokens?: { readonly range?: readonly [number, number]; readonly default?: number };
  /** More rules on top of the preset's own. */
  readonly constraints?: readonly SpaceConstraint[];
  /** Default 1000: the cross-constraints reject many draws when providers have few models. */
  readonly maxAttempts?: number;
}

const optionsSchema = z.strictObject({
  models: z
    .array(
      z.strictObject({
        provider: z.string().min(1),
        model: z.string().min(1),
        contextWindow: z.int().positive(),
      }),
    )
    .min(1, 'needs at least one model'),
  reasoningStrategies: z.array(z.string()).optional(),
  maxTokens: z
    .strictObject({ range: z.tuple([z.int(), z.int()]).optional(), default: z.int().optional() })
    .optional(),
  constraints: z
    .array(
      z.strictObject({
        name: z.string(),
        paths: z.array(z.string()),
        check: functionSchema<SpaceConstraint['check']>(),
      }),
    )
    .optional(),
  maxAttempts: z.int().positive().optional(),
});

const pairKey = (provider: unknown, model: unknown) => `${String(provider)}\u0000${String(model)}`;

/**
 * The search space of one language model call: `provider`, `model`, `temperature`, `maxTokens`,
 * `topP`, `frequencyPenalty`, `presencePenalty` and `reasoningStrategy`, with the rules across
 * them: the model belongs to the chosen provider, `maxTokens` fits the model's context window,
 * and a temperature above 1.5 does not go with a topP below 0.3.
 *
 * @example
 * const space = languageModelSpace({
 *   models: [
 *     { provider: 'openai', model: 'gpt-4o-mini', contextWindow: 128_000 },
 *     { provider: 'ollama', model: 'llama3.1:8b', contextWindow: 8192 },
 *   ],
 * });
 * space.sample(createRandom(3)); // { provider: 'ollama', model: 'llama3.1:8b', maxTokens: 5120, ... }
 */
export function languageModelSpace(options: LanguageModelSpaceOptions): VariableSpace {
  const parsed = parseOrThrow(optionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'languageModelSpace',
  });
  const windows = new Map<string, number>();
  for (const [index, entry] of parsed.models.entries()) {
    const key = pairKey(entry.provider, entry.model);
    if (windows.has(key)) {
      const message = `model ${JSON.stringify(entry.model)} of provider ${JSON.stringify(entry.provider)} appears more than once`;
      throw new InvalidArgumentError({
        code: 'INVALID_ARGUMENT',
        message: `languageModelSpace: ${message}`,
        issues: [{ path: `models[${index}]`, message, value: entry }],
      });
    }
    windows.set(key, entry.contextWindow);
  }
  const first = parsed.models[0] as LanguageModelChoice;
  const largest = Math.max(...parsed.models.map((entry) => entry.contextWindow));
  const range = parsed.maxTokens?.range ?? [1, Math.min(largest, 16384)];
  const tokensDefault =
    parsed.maxTokens?.default ?? Math.max(range[0], Math.min(1024, first.contextWindow, range[1]));

  const variables = [
    choice('provider', {
      choices: [...new Set(parsed.models.map((entry) => entry.provider))],
      description: 'Who serves the model.',
    }),
    choice('model', {
      choices: [...new Set(parsed.models.map((entry) => entry.model))],
      default: first.model,
      description: 'The model, among those of the chosen provider.',
    }),
    temperature(),
    maxTokens({ range, default: tokensDefault }),
    topP(),
    frequencyPenalty(),
    presencePenalty(),
    reasoningStrategy(
      parsed.reasoningStrategies
        ? { choices: parsed.reasoningStrategies, default: parsed.reasoningStrategies[0] as string }
        : {},
    ),
  ];
  const constraints: SpaceConstraint[] = [
    {
      name: 'model-belongs-to-provider',
      paths: ['model', 'provider'],
      check: ({ provider, model }) =>
        windows.has(pairKey(provider, model)) ||
        `model ${JSON.stringify(model)} is not offered by provider ${JSON.stringify(provider)}`,
    },
    {
      name: 'max-tokens-within-context-window',
      paths: ['maxTokens', 'model', 'provider'],
      check: ({ provider, model, maxTokens: tokens }) => {
        const window = windows.get(pairKey(provider, model));
        // An unknown pair is the other rule's issue; one mistake, one issue.
        if (window === undefined || (tokens as number) <= window) return true;
        return `maxTokens ${tokens} exceeds the ${window}-token context window of ${JSON.stringify(model)}`;
      },
    },
    {
      name: 'temperature-with-top-p',
      paths: ['temperature', 'topP'],
      check: ({ temperature: heat, topP: mass }) =>
        !((heat as number) > 1.5 && (mass as number) < 0.3) ||
        `temperature ${heat} above 1.5 together with topP ${mass} below 0.3 is rejected`,
    },
    ...(parsed.constraints ?? []),
  ];
  const spaceOptions: VariableSpaceOptions = {
    constraints,
    maxAttempts: parsed.maxAttempts ?? 1000,
  };
  return createVariableSpace(variables, spaceOptions);
}
