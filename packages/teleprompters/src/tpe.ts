import type { Configuration, JsonValue, Random, Variable, VariableSpace } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { inputError } from './errors';
import { guardInput } from './internal/guard';
import { stableStringify } from './internal/json';
import { parseOrThrow } from './internal/parse';
import { logSumExp, parzenBandwidths, truncatedNormalNorm } from './internal/parzen';
import { randomConfiguration } from './internal/random-configuration';
import {
  type Dimension,
  dimensionOf,
  draw,
  type Estimator,
  type KernelSettings,
  logKernel,
  PRIOR_MU,
  PRIOR_SIGMA,
  type Universe,
} from './internal/tpe-dimensions';
import { AGENT_TAG, orchestrationTypeTag } from './team-space';

const SELECTION_TAG = orchestrationTypeTag('agent_selection');

/** Options of {@link createTpeSampler}. */
export interface TpeOptions {
  /**
   * Share of observations modelled as good, `l(x)`. Default: Optuna's rule, the best
   * `min(ceil(0.1 n), 25)` of n observations. Ties at the cut go to the good side unless that
   * would take every observation (binary scores split into passes and fails).
   */
  readonly gamma?: number;
  /** Until this many distinct configurations are observed, suggestions are random (default 10). */
  readonly startupTrials?: number;
  /** Draws from `l(x)` ranked by `l(x) / g(x)` per suggestion (default 24). */
  readonly eiCandidates?: number;
  /** Weight of the prior component in each estimator (default 1). */
  readonly priorWeight?: number;
  /** Chance a kernel flips one item of a demo subset (default 0.2). */
  readonly subsetFlip?: number;
  /** More values a text or choice variable may take, by id (instruction proposals). */
  readonly extraValues?: Readonly<Record<string, readonly JsonValue[]>>;
  /**
   * Model the variables of a group jointly (one kernel over all of them, as Optuna's multivariate
   * TPE does) instead of one estimator per variable as in Bergstra et al. (default true).
   */
  readonly multivariate?: boolean;
  /**
   * With `multivariate`, split the variables into the groups that are active together (the
   * team's own, then each agent's, by {@link TpeOptions.groupOf}), each modelled jointly from the
   * observations in which it was active and sampled on its own, as Optuna's `group` option does
   * (default true). False models every variable in one joint kernel.
   */
  readonly group?: boolean;
  /**
   * The group a variable belongs to, for {@link TpeObservation.partScores} (default: the agent
   * its `varplane:agent:<id>` tag names, else `team`).
   */
  readonly groupOf?: (variable: Variable) => string;
}

/** One evaluated configuration; higher scores are better. */
export interface TpeObservation {
  readonly configuration: Configuration;
  readonly score: number;
  /**
   * Scores of parts of the configuration, by group (an agent id): the mean score of the runs in
   * which that agent acted, read from traces. Each group's variables are then modelled on their
   * own part's score, so an agent's parameters are judged on the work that agent did.
   */
  readonly partScores?: Readonly<Record<string, number>>;
}

/**
 * A tree-structured Parzen estimator over a mixed {@link VariableSpace}: floats and integers
 * (truncated-normal kernels with adaptive bandwidths), choices, booleans, modules and texts
 * (categorical kernels), demo lists (subset kernels), and conditional variables (a variable is
 * modelled only from the observations where it was active; elsewhere its prior stands in).
 */
export interface TpeSampler {
  /**
   * A configuration to try next: the candidate drawn from the good estimator `l(x)` that
   * maximizes `l(x) / g(x)` (which orders candidates as expected improvement does). Frozen and
   * fixed variables keep their values in `base`.
   */
  suggest(
    observations: readonly TpeObservation[],
    random: Random,
    base: Configuration,
  ): Configuration;
  /**
   * The surrogate's opinion of configurations: log `l(x) / g(x)` for each, from all the
   * observations at once, so a candidate's rank rests on every run, not only its own few.
   */
  rank(observations: readonly TpeObservation[], configurations: readonly Configuration[]): number[];
}

const optionsSchema = z.strictObject({
  gamma: z.number().gt(0).lt(1).optional(),
  startupTrials: z.int().nonnegative().default(10),
  eiCandidates: z.int().positive().default(24),
  priorWeight: z.number().positive().default(1),
  subsetFlip: z.number().gt(0).lt(0.5).default(0.2),
  // Keyed by variable ids: `__proto__` and `constructor` are ordinary ones.
  extraValues: idRecord(z.array(z.json())).default(() => Object.create(null)),
  multivariate: z.boolean().default(true),
  group: z.boolean().default(true),
  groupOf: z
    .custom<(variable: Variable) => string>((value) => typeof value === 'function')
    .optional(),
});

const TEAM_GROUP = 'team';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkRecord(value: unknown, method: string, path: string): void {
  if (!isRecord(value)) {
    throw inputError(
      'INVALID_ARGUMENT',
      `TpeSampler.${method}`,
      path,
      'must be a configuration object',
      value,
    );
  }
}

/** Checked in one pass, so a long history costs no more than reading it. */
function checkObservations(observations: unknown, method: string): void {
  if (!Array.isArray(observations)) {
    throw inputError(
      'INVALID_ARGUMENT',
      `TpeSampler.${method}`,
      'observations',
      'must be an array',
      observations,
    );
  }
  observations.forEach((observation: unknown, i) => {
    if (!isRecord(observation)) {
      throw inputError(
        'INVALID_ARGUMENT',
        `TpeSampler.${method}`,
        `observations[${i}]`,
        'must be an object',
        observation,
      );
    }
    checkRecord(observation.configuration, method, `observations[${i}].configuration`);
    if (typeof observation.score !== 'number' || !Number.isFinite(observation.score)) {
      throw inputError(
        'INVALID_ARGUMENT',
        `TpeSampler.${method}`,
        `observations[${i}].score`,
        'must be a finite number',
        observation.score,
      );
    }
  });
}

function defaultGroupOf(variable: Variable): string {
  const prefix = `${AGENT_TAG}:`;
  const tag = variable.hints.tags?.find((each) => each.startsWith(prefix));
  return tag === undefined ? TEAM_GROUP : tag.slice(prefix.length);
}

/**
 * Builds a TPE sampler for a space.
 *
 * @example
 * const tpe = createTpeSampler(team.variables, { startupTrials: 8 });
 * const next = tpe.suggest(history, random, team.current);
 */
export function createTpeSampler(space: VariableSpace, options: TpeOptions = {}): TpeSampler {
  guardInput('createTpeSampler', 'space', space, () => {
    if (
      typeof space !== 'object' ||
      space === null ||
      !Array.isArray(space.variables) ||
      typeof space.check !== 'function'
    ) {
      throw inputError(
        'INVALID_ARGUMENT',
        'createTpeSampler',
        'space',
        'must be a VariableSpace',
        space,
      );
    }
  });
  const parsed = parseOrThrow(optionsSchema, options, 'createTpeSampler', 'options');
  const dimensions: Dimension[] = [];
  const groupOfDimension: string[] = [];
  const groupOf = parsed.groupOf ?? defaultGroupOf;
  for (const variable of space.variables) {
    const extra = Object.hasOwn(parsed.extraValues, variable.id)
      ? (parsed.extraValues[variable.id] ?? [])
      : [];
    const dimension = dimensionOf(variable, extra);
    if (dimension !== undefined) {
      dimensions.push(dimension);
      groupOfDimension.push(groupOf(variable));
    }
  }
  const kernel: KernelSettings = { priorWeight: parsed.priorWeight, subsetFlip: parsed.subsetFlip };

  // The tree structure of a team: an agent's variables matter only while an agent_selection
  // variable selects it, so elsewhere they are inactive, like a conditional variable whose
  // condition fails (modelled from the observations where they were active, the prior standing
  // in elsewhere). Without a selection variable every agent is active.
  const selectionIds = space.variables
    .filter((variable) => variable.hints.tags?.includes(SELECTION_TAG) === true)
    .map((variable) => variable.id);
  const agentOfDimension = dimensions.map((dimension) => {
    const tag = space
      .get(dimension.id)
      ?.hints.tags?.find((each) => each.startsWith(`${AGENT_TAG}:`));
    return tag === undefined ? undefined : tag.slice(AGENT_TAG.length + 1);
  });
  const masks = new WeakMap<Configuration, Configuration>();
  const activeOnly = (configuration: Configuration): Configuration => {
    if (selectionIds.length === 0) return configuration;
    let masked = masks.get(configuration);
    if (masked === undefined) {
      const selected = new Set<string>();
      for (const id of selectionIds) {
        const value = configuration[id];
        if (Array.isArray(value)) for (const agent of value) selected.add(String(agent));
      }
      const copy: Record<string, JsonValue> = { ...configuration };
      dimensions.forEach((dimension, d) => {
        const agent = agentOfDimension[d];
        if (agent !== undefined && !selected.has(agent)) delete copy[dimension.id];
      });
      masked = copy;
      masks.set(configuration, masked);
    }
    return masked;
  };
  const seen = (observations: readonly TpeObservation[]): TpeObservation[] =>
    observations.map((observation) => {
      const configuration = activeOnly(observation.configuration);
      return configuration === observation.configuration
        ? observation
        : { ...observation, configuration };
    });

  // Each configuration's values as JSON keys, worked out once: suggestions rebuild their
  // universes from every observation, and stringifying each time would dominate.
  const keyCache = new WeakMap<
    Configuration,
    readonly (string | readonly string[] | undefined)[]
  >();
  const keysOf = (configuration: Configuration) => {
    let keys = keyCache.get(configuration);
    if (keys === undefined) {
      keys = dimensions.map((dimension) => {
        const value = configuration[dimension.id];
        if (value === undefined || dimension.kind === 'numeric') return undefined;
        if (dimension.kind === 'categorical') return stableStringify(value);
        return Array.isArray(value) ? value.map((item) => stableStringify(item)) : [];
      });
      keyCache.set(configuration, keys);
    }
    return keys;
  };

  const universes = (observations: readonly TpeObservation[]): Universe[] =>
    dimensions.map((dimension, d) => {
      const keys: string[] = [];
      const values: JsonValue[] = [];
      const index = new Map<string, number>();
      const add = (key: string, value: JsonValue) => {
        if (index.has(key)) return;
        index.set(key, keys.length);
        keys.push(key);
        values.push(value);
      };
      if (dimension.kind === 'categorical') {
        for (const value of dimension.values) add(stableStringify(value), value);
      }
      if (dimension.kind === 'subset') {
        for (const value of dimension.pool) add(stableStringify(value), value);
      }
      if (dimension.kind !== 'numeric') {
        for (const observation of observations) {
          const key = keysOf(observation.configuration)[d];
          if (key === undefined) continue;
          const value = observation.configuration[dimension.id] as JsonValue;
          if (typeof key === 'string') add(key, value);
          else {
            key.forEach((item, i) => {
              add(item, (value as readonly JsonValue[])[i] as JsonValue);
            });
          }
        }
      }
      let priorWeights: number[] = [];
      if (dimension.kind === 'categorical') {
        const given = dimension.weights;
        priorWeights = values.map((_, i) => (given === undefined ? 1 : (given[i] ?? 0)));
        const total = priorWeights.reduce((sum, weight) => sum + weight, 0);
        priorWeights = priorWeights.map((weight) => weight / total);
      }
      return { keys, values, index, priorWeights };
    });

  const encode = (
    configuration: Configuration,
    worlds: readonly Universe[],
  ): (number | Set<number> | undefined)[] => {
    const keys = keysOf(configuration);
    return dimensions.map((dimension, d) => {
      const value = configuration[dimension.id];
      if (value === undefined) return undefined;
      const world = worlds[d] as Universe;
      if (dimension.kind === 'numeric') return Math.min(1, Math.max(0, dimension.encode(value)));
      const key = keys[d];
      if (dimension.kind === 'categorical') return world.index.get(key as string);
      const held = new Set<number>();
      for (const item of (key ?? []) as readonly string[]) {
        const at = world.index.get(item);
        if (at !== undefined) held.add(at);
      }
      return held;
    });
  };

  const orderOf = (
    configuration: Configuration,
    dimension: Dimension,
    world: Universe,
    d: number,
  ) => {
    if (dimension.kind !== 'subset') return undefined;
    const key = keysOf(configuration)[d];
    if (key === undefined || typeof key === 'string') return undefined;
    return key.map((item) => world.index.get(item) as number);
  };

  // Identical values of a group's dimensions are one component, weighted by how often they occur.
  const estimator = (
    set: readonly TpeObservation[],
    worlds: readonly Universe[],
    dims: readonly number[],
  ): Estimator => {
    const merged = new Map<string, { observation: TpeObservation; count: number }>();
    for (const observation of set) {
      const keys = keysOf(observation.configuration);
      const key = dims
        .map((d) => {
          const own = keys[d];
          if (own !== undefined) return typeof own === 'string' ? own : own.join('\u0001');
          return String(observation.configuration[(dimensions[d] as Dimension).id] ?? '');
        })
        .join('\u0000');
      const held = merged.get(key);
      if (held === undefined) merged.set(key, { observation, count: 1 });
      else held.count++;
    }
    const entries = [...merged.values()];
    const points = entries.map((entry) => encode(entry.observation.configuration, worlds));
    const sigmas = points.map(() => new Array<number>(dimensions.length).fill(PRIOR_SIGMA));
    dims.forEach((d) => {
      const dimension = dimensions[d] as Dimension;
      if (dimension.kind !== 'numeric') return;
      const active = points
        .map((point, k) => ({ x: point[d], k }))
        .filter((entry): entry is { x: number; k: number } => typeof entry.x === 'number');
      const mus = [...active.map((entry) => entry.x), PRIOR_MU];
      const minSigma = Math.max(dimension.minSigma, PRIOR_SIGMA / Math.min(100, 1 + mus.length));
      const bandwidths = parzenBandwidths(mus, minSigma, PRIOR_SIGMA);
      active.forEach((entry, i) => {
        (sigmas[entry.k] as number[])[d] = bandwidths[i] as number;
      });
    });
    const components = points.map((point, k) => ({
      points: point,
      sigmas: sigmas[k] as number[],
      norms: point.map((x, d) =>
        typeof x === 'number' && (dimensions[d] as Dimension).kind === 'numeric'
          ? truncatedNormalNorm(x, (sigmas[k] as number[])[d] as number)
          : undefined,
      ),
      orders: dimensions.map((dimension, d) =>
        orderOf(
          (entries[k] as (typeof entries)[number]).observation.configuration,
          dimension,
          worlds[d] as Universe,
          d,
        ),
      ),
    }));
    const total = set.length + kernel.priorWeight;
    return {
      components,
      logWeights: [
        ...entries.map((entry) => Math.log(entry.count / total)),
        Math.log(kernel.priorWeight / total),
      ],
    };
  };

  const logDensity = (
    model: Estimator,
    worlds: readonly Universe[],
    x: readonly (number | Set<number> | undefined)[],
    dims: readonly number[],
  ): number => {
    const terms: number[] = [];
    const count = model.components.length;
    for (let k = 0; k <= count; k++) {
      const component = model.components[k];
      let log = model.logWeights[k] as number;
      for (const d of dims) {
        const value = x[d];
        if (value === undefined) continue;
        log += logKernel(
          kernel,
          dimensions[d] as Dimension,
          worlds[d] as Universe,
          component?.points[d],
          component?.sigmas[d] ?? PRIOR_SIGMA,
          value,
          component?.norms?.[d],
        );
      }
      terms.push(log);
    }
    return logSumExp(terms);
  };

  /**
   * Which of `scores` are good: the best `gamma` share (Optuna's rule by default), ties at the cut
   * on the good side unless that would take every score. Undefined when they cannot be split.
   */
  const goodSplit = (scores: readonly number[]): boolean[] | undefined => {
    if (scores.length < 2) return undefined;
    const sorted = [...scores].sort((a, b) => b - a);
    const goodCount =
      parsed.gamma === undefined
        ? Math.min(Math.ceil(0.1 * sorted.length), 25)
        : Math.ceil(parsed.gamma * sorted.length);
    const cut = sorted[Math.max(1, goodCount) - 1] as number;
    const lowest = sorted[sorted.length - 1] as number;
    const split = scores.map((score) => (cut > lowest ? score >= cut : score > cut));
    return split.some(Boolean) && !split.every(Boolean) ? split : undefined;
  };

  const modelled = new Set(dimensions.map((dimension) => dimension.id));
  const composites = new Set(
    space.variables.filter((variable) => variable.kind === 'composite').map((v) => v.id),
  );
  const randomSuggestion = (random: Random, base: Configuration): Configuration =>
    randomConfiguration(space, random, base, (id) => !modelled.has(id) && !composites.has(id));

  // Only the space's own variables are read from the base (so its size does not matter), and
  // composites are computed again from the drawn values.
  const baseIds = space.variables
    .filter((variable) => !composites.has(variable.id))
    .map((variable) => variable.id);
  const fromBase = (base: Configuration): Record<string, JsonValue> => {
    const raw: Record<string, JsonValue> = {};
    for (const id of baseIds) if (Object.hasOwn(base, id)) raw[id] = base[id] as JsonValue;
    return raw;
  };

  /**
   * Optuna's group decomposition: the observations are split into good and bad once, on the
   * overall score; each group of variables that are active together (the team's, each agent's)
   * is modelled jointly from the good and bad observations in which it was active, and sampled
   * on its own, so a good agent setting seen in one team can join the organization of another.
   */
  const groupedModels = (
    observations: readonly TpeObservation[],
    worlds: readonly Universe[],
    groups: readonly (readonly number[])[],
  ): { dims: readonly number[]; good?: Estimator; bad?: Estimator }[] => {
    // Best first, as the one-group path orders them, so a space of one group is modelled alike.
    const ranked = observations
      .map((observation, index) => ({ observation, index }))
      .sort((a, b) => b.observation.score - a.observation.score || a.index - b.index)
      .map((entry) => entry.observation);
    const good = goodSplit(ranked.map((observation) => observation.score));
    if (good === undefined) return groups.map((dims) => ({ dims }));
    return groups.map((dims) => {
      const active = (wanted: boolean) =>
        ranked.filter(
          (observation, i) =>
            good[i] === wanted &&
            dims.some(
              (d) => observation.configuration[(dimensions[d] as Dimension).id] !== undefined,
            ),
        );
      const l = active(true);
      const g = active(false);
      if (l.length === 0 || g.length === 0) return { dims };
      return { dims, good: estimator(l, worlds, dims), bad: estimator(g, worlds, dims) };
    });
  };

  /**
   * One pair of estimators per group of dimensions, each fitted on its group's scores. Without
   * part scores every dimension is one group judged on the overall score.
   */
  const groupModels = (
    observations: readonly TpeObservation[],
    worlds: readonly Universe[],
  ): { dims: readonly number[]; good?: Estimator; bad?: Estimator }[] => {
    const parted = observations.some((observation) => observation.partScores !== undefined);
    const decomposed = !parted && parsed.multivariate && parsed.group;
    const groups = new Map<string, number[]>();
    dimensions.forEach((_, d) => {
      const group = parted || decomposed ? (groupOfDimension[d] as string) : TEAM_GROUP;
      groups.set(group, [...(groups.get(group) ?? []), d]);
    });
    if (decomposed) return groupedModels(observations, worlds, [...groups.values()]);
    return [...groups].flatMap(([group, dims]) => {
      const scored = observations
        .map((observation, index) => ({
          observation,
          index,
          score: group === TEAM_GROUP ? observation.score : observation.partScores?.[group],
        }))
        .filter((entry): entry is typeof entry & { score: number } => entry.score !== undefined)
        .sort((a, b) => b.score - a.score || a.index - b.index);
      const split = goodSplit(scored.map((entry) => entry.score));
      if (split === undefined) return [{ dims }];
      const good = scored.filter((_, i) => split[i]).map((entry) => entry.observation);
      const bad = scored.filter((_, i) => !split[i]).map((entry) => entry.observation);
      if (good.length === 0 || bad.length === 0) return [{ dims }];
      if (parsed.multivariate) {
        return [{ dims, good: estimator(good, worlds, dims), bad: estimator(bad, worlds, dims) }];
      }
      // Bergstra et al.'s TPE: one pair of estimators per variable, each fitted on the
      // observations where that variable was active (the tree structure).
      return dims.map((d) => {
        const id = (dimensions[d] as Dimension).id;
        const active = (set: readonly TpeObservation[]) =>
          set.filter((observation) => observation.configuration[id] !== undefined);
        const l = active(good);
        const g = active(bad);
        if (l.length === 0 || g.length === 0) return { dims: [d] };
        return { dims: [d], good: estimator(l, worlds, [d]), bad: estimator(g, worlds, [d]) };
      });
    });
  };

  const ratio = (
    models: ReturnType<typeof groupModels>,
    worlds: readonly Universe[],
    configuration: Configuration,
  ): number => {
    const x = encode(activeOnly(configuration), worlds);
    let score = 0;
    for (const model of models) {
      if (model.good === undefined || model.bad === undefined) continue;
      score +=
        logDensity(model.good, worlds, x, model.dims) -
        logDensity(model.bad, worlds, x, model.dims);
    }
    return score;
  };

  return {
    rank(observations, configurations) {
      checkObservations(observations, 'rank');
      if (!Array.isArray(configurations)) {
        throw inputError(
          'INVALID_ARGUMENT',
          'TpeSampler.rank',
          'configurations',
          'must be an array of configurations',
          configurations,
        );
      }
      configurations.forEach((configuration, i) => {
        checkRecord(configuration, 'rank', `configurations[${i}]`);
      });
      const active = seen(observations);
      const worlds = universes(active);
      const models = groupModels(active, worlds);
      return configurations.map((configuration) => ratio(models, worlds, configuration));
    },
    suggest(observations, random, base) {
      checkObservations(observations, 'suggest');
      checkRecord(base, 'suggest', 'base');
      const readable = guardInput('TpeSampler.suggest', 'random', random, () =>
        ['next', 'float', 'int', 'shuffle'].every(
          (key) =>
            typeof (random as unknown as Record<string, unknown> | null)?.[key] === 'function',
        ),
      );
      if (!readable) {
        throw inputError(
          'INVALID_ARGUMENT',
          'TpeSampler.suggest',
          'random',
          'must be a Random (createRandom)',
          random,
        );
      }
      const distinct = new Set(observations.map((observation) => observation.configuration));
      if (distinct.size < Math.max(2, parsed.startupTrials)) {
        return randomSuggestion(random, base);
      }
      const active = seen(observations);
      const worlds = universes(active);
      const models = groupModels(active, worlds);
      let best: Configuration | undefined;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < parsed.eiCandidates; i++) {
        for (let attempt = 0; attempt < 8; attempt++) {
          const raw = fromBase(base);
          for (const model of models) {
            const l = model.good;
            const pick =
              l === undefined
                ? 0
                : random.pickWeighted(
                    [...l.components.keys(), l.components.length],
                    l.logWeights.map(Math.exp),
                  );
            const component = l?.components[pick];
            for (const d of model.dims) {
              const dimension = dimensions[d] as Dimension;
              raw[dimension.id] = draw(
                kernel,
                dimension,
                worlds[d] as Universe,
                component,
                d,
                random,
              );
            }
          }
          const checked = space.check(raw);
          if (!checked.ok) continue;
          const score = ratio(models, worlds, checked.configuration);
          if (score > bestScore) {
            bestScore = score;
            best = checked.configuration;
          }
          break;
        }
      }
      return best ?? randomSuggestion(random, base);
    },
  };
}
