import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { parseList, parseOptions } from './internal/parse-options';

/**
 * How the simulated model's accuracy on one task type responds to a configuration. Accuracy is a
 * logistic curve in logit space (see {@link responseAccuracy}), so every effect is bounded and the
 * best configuration is known in closed form: temperature at `optimalTemperature`, as many relevant
 * and correct demos as allowed, every instruction keyword present, reasoning on when
 * `reasoningBonus > 0`.
 */
export interface ResponseProfile {
  /** Accuracy at the optimal temperature with no demos, no keywords and no reasoning, in (0, 1). */
  readonly baseAccuracy: number;
  /** The temperature this model answers this task best at. */
  readonly optimalTemperature: number;
  /** Logit lost per squared unit of distance from the optimal temperature. */
  readonly temperatureSensitivity: number;
  /** Logit gained as relevant, correct demos approach saturation. */
  readonly demoGain: number;
  /** Relevant demos that give half of `demoGain`. */
  readonly demoHalfSaturation: number;
  /** Logit lost per demo that is off-task or wrong. */
  readonly irrelevantDemoPenalty: number;
  /** Words a good instruction for this task uses (matched case-insensitively). */
  readonly instructionKeywords: readonly string[];
  /** Logit gained when every keyword appears; a share of it for a share of them. */
  readonly keywordBonus: number;
  /** Logit gained when the prompt asks for a `reasoning` output (ChainOfThought); may be negative. */
  readonly reasoningBonus: number;
  /** Chance of a malformed reply at temperature 0. */
  readonly formatErrorRate: number;
  /** Added to `formatErrorRate` per unit of temperature. */
  readonly formatErrorPerTemperature: number;
  /** Accuracy never rises above this... */
  readonly maxAccuracy: number;
  /** ...nor falls below this. */
  readonly minAccuracy: number;
}

/** The profile every layer starts from. */
export const DEFAULT_RESPONSE_PROFILE: ResponseProfile = Object.freeze({
  baseAccuracy: 0.6,
  optimalTemperature: 0.3,
  temperatureSensitivity: 2,
  demoGain: 1.5,
  demoHalfSaturation: 2,
  irrelevantDemoPenalty: 0.25,
  instructionKeywords: Object.freeze([]) as readonly string[],
  keywordBonus: 1,
  reasoningBonus: 0.5,
  formatErrorRate: 0,
  formatErrorPerTemperature: 0,
  maxAccuracy: 0.99,
  minAccuracy: 0.01,
});

/** Overrides of a profile for every task type (`all`) and for single task types (`tasks`). */
export interface ProfileLayer {
  readonly all?: Partial<ResponseProfile>;
  readonly tasks?: Readonly<Record<string, Partial<ResponseProfile>>>;
}

/** What the simulated model measured about one prompt. */
export interface ResponseFeatures {
  readonly temperature: number;
  /** Sum of demo relevance (each demo in [0, 1]; on-task and correct is 1). */
  readonly relevantDemos: number;
  /** Demos minus relevant demos. */
  readonly irrelevantDemos: number;
  readonly instruction: string;
  /** Whether the prompt asks for a `reasoning` output. */
  readonly reasoning: boolean;
}

const probability = z.number().gt(0).lt(1);
const partialProfileSchema = z.strictObject({
  baseAccuracy: probability.optional(),
  optimalTemperature: z.number().min(0).max(2).optional(),
  temperatureSensitivity: z.number().nonnegative().optional(),
  demoGain: z.number().optional(),
  demoHalfSaturation: z.number().positive().optional(),
  irrelevantDemoPenalty: z.number().optional(),
  instructionKeywords: z.array(z.string().min(1)).optional(),
  keywordBonus: z.number().optional(),
  reasoningBonus: z.number().optional(),
  formatErrorRate: z.number().min(0).max(1).optional(),
  formatErrorPerTemperature: z.number().min(0).optional(),
  maxAccuracy: probability.optional(),
  minAccuracy: probability.optional(),
});

export const profileLayerSchema = z.strictObject({
  all: partialProfileSchema.optional(),
  tasks: idRecord(partialProfileSchema, { key: z.string().min(1) }).optional(),
});

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

const profileSchema = partialProfileSchema.required();
const featuresSchema = z.strictObject({
  temperature: z.number().min(0).max(2),
  relevantDemos: z.number().nonnegative(),
  irrelevantDemos: z.number().nonnegative(),
  instruction: z.string(),
  reasoning: z.boolean(),
});
const keywordSchema = z.string();
const temperatureSchema = z.number().min(0).max(2);
const layerSchema = profileLayerSchema.optional();
const check = <S extends z.ZodType>(schema: S, value: unknown, subject: string, path: string) =>
  parseOptions(schema, value, subject, 'INVALID_ARGUMENT', path) as z.output<S>;

/** Share of `keywords` found in `instruction`, case-insensitively; 0 when there are none. */
export function keywordCoverage(instruction: string, keywords: readonly string[]): number {
  check(z.string(), instruction, 'keywordCoverage', 'instruction');
  return coverage(
    instruction,
    parseList(keywordSchema, keywords, 'keywordCoverage', 'INVALID_ARGUMENT', 'keywords'),
  );
}

function coverage(instruction: string, keywords: readonly string[]): number {
  if (keywords.length === 0) return 0;
  const text = instruction.toLowerCase();
  let found = 0;
  for (const keyword of keywords) if (text.includes(keyword.toLowerCase())) found++;
  return found / keywords.length;
}

/**
 * The chance of a correct answer:
 *
 * ```
 * logit(p) = logit(baseAccuracy)
 *          − temperatureSensitivity · (temperature − optimalTemperature)²
 *          + demoGain · relevant / (relevant + demoHalfSaturation)
 *          − irrelevantDemoPenalty · irrelevant
 *          + keywordBonus · (keywords found / keywords)
 *          + reasoningBonus · [reasoning asked]
 * p = clamp(sigmoid(logit(p)), minAccuracy, maxAccuracy)
 * ```
 *
 * @example
 * responseAccuracy(DEFAULT_RESPONSE_PROFILE, {
 *   temperature: 0.3, relevantDemos: 0, irrelevantDemos: 0, instruction: '', reasoning: false,
 * }); // 0.6
 */
export function responseAccuracy(profile: ResponseProfile, features: ResponseFeatures): number {
  return accuracyOf(
    check(profileSchema, profile, 'responseAccuracy', 'profile'),
    check(featuresSchema, features, 'responseAccuracy', 'features'),
  );
}

/** {@link responseAccuracy} for a profile and features known to be good. */
export function accuracyOf(profile: ResponseProfile, features: ResponseFeatures): number {
  const distance = features.temperature - profile.optimalTemperature;
  const relevant = features.relevantDemos;
  const score =
    logit(profile.baseAccuracy) -
    profile.temperatureSensitivity * distance * distance +
    (relevant > 0 ? (profile.demoGain * relevant) / (relevant + profile.demoHalfSaturation) : 0) -
    profile.irrelevantDemoPenalty * features.irrelevantDemos +
    profile.keywordBonus * coverage(features.instruction, profile.instructionKeywords) +
    (features.reasoning ? profile.reasoningBonus : 0);
  return Math.min(profile.maxAccuracy, Math.max(profile.minAccuracy, sigmoid(score)));
}

/** The chance of a malformed reply at a temperature, capped at 1. */
export function formatErrorRate(profile: ResponseProfile, temperature: number): number {
  return formatErrorChance(
    check(profileSchema, profile, 'formatErrorRate', 'profile'),
    check(temperatureSchema, temperature, 'formatErrorRate', 'temperature'),
  );
}

/** {@link formatErrorRate} for a profile and temperature known to be good. */
export function formatErrorChance(profile: ResponseProfile, temperature: number): number {
  return Math.min(1, profile.formatErrorRate + profile.formatErrorPerTemperature * temperature);
}

/**
 * The profile of one task type: the defaults, then each layer's `all`, then its entry for the
 * task type, in order (later layers win).
 */
export function resolveResponseProfile(
  layers: readonly (ProfileLayer | undefined)[],
  taskType: string,
): ResponseProfile {
  return resolveProfile(
    parseList(layerSchema, layers, 'resolveResponseProfile', 'INVALID_ARGUMENT', 'layers') as (
      | ProfileLayer
      | undefined
    )[],
    check(z.string(), taskType, 'resolveResponseProfile', 'taskType'),
  );
}

/** {@link resolveResponseProfile} for layers known to be good. */
export function resolveProfile(
  layers: readonly (ProfileLayer | undefined)[],
  taskType: string,
): ResponseProfile {
  let profile: ResponseProfile = DEFAULT_RESPONSE_PROFILE;
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (layer.all !== undefined) profile = { ...profile, ...definedOnly(layer.all) };
    // An own entry only: a task type such as `constructor` is an ordinary name.
    const own =
      layer.tasks !== undefined && Object.hasOwn(layer.tasks, taskType)
        ? layer.tasks[taskType]
        : undefined;
    if (own !== undefined) profile = { ...profile, ...definedOnly(own) };
  }
  return profile;
}

function definedOnly(partial: Partial<ResponseProfile>): Partial<ResponseProfile> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(partial)) if (value !== undefined) out[key] = value;
  return out as Partial<ResponseProfile>;
}
