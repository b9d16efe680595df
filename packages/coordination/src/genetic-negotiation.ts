import type {
  NegotiationRequest,
  NegotiationStrategy,
  Preference,
  StrategyContext,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { askAgents, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import { admissible } from './internal/bids';
import { constrainValue, satisfiesConstraints } from './internal/constraints';
import { invalid, parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { cleanFloat, sameValue, valueKey } from './internal/values';

/** Options of {@link createGeneticNegotiation}. */
export interface GeneticNegotiationOptions {
  /** The name it registers under (default `genetic`). */
  name?: string;
  /** Candidates per generation, 2..1,000 (default 24). */
  populationSize?: number;
  /** Generations, 1..10,000 (default 30). */
  generations?: number;
  /** Chance that a child mutates, in [0, 1] (default 0.3). */
  mutationRate?: number;
  /** Best candidates carried over unchanged, below `populationSize` (default 2). */
  eliteCount?: number;
  /** How long a live agent has to rate a candidate, in ms (default 1,000). */
  askTimeoutMs?: number;
}

const optionsSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    populationSize: z.number().int().min(2).max(1_000).optional(),
    generations: z.number().int().min(1).max(10_000).optional(),
    mutationRate: z.number().min(0).max(1).optional(),
    eliteCount: z.number().int().nonnegative().optional(),
    askTimeoutMs: z.number().int().positive().optional(),
  })
  .refine((o) => (o.eliteCount ?? 2) < (o.populationSize ?? 24), {
    message: 'eliteCount must be below populationSize',
    path: ['eliteCount'],
  });

/** Where candidates live: a list of values, or a numeric interval on a grid. */
type Domain =
  | { kind: 'discrete'; values: readonly unknown[] }
  | { kind: 'continuous'; lo: number; hi: number; snap: (x: number) => number };

/**
 * Genetic negotiation (`genetic`): evolves candidate values against the agents' utilities and
 * returns the fittest, where fitness is the weighted sum of utilities. A preference's `utility`
 * function rates candidates; without one, a live agent is asked (`{ type: 'utility', value }`,
 * answered with a number, each value asked once), and otherwise closeness to the preferred value
 * rates them (so the search tends to the weighted median). Candidates are the allowed values, the
 * distinct preferred values when they are not all numbers, or else numbers in `[min, max]` (the
 * preferences' range by default) on the `step` grid, or on a grid of a thousandth of the range.
 * Seeded by the context's random source, bounded by `generations`, and it stops when its signal
 * fires.
 *
 * @example
 * const strategy = createGeneticNegotiation({ populationSize: 32, generations: 50 });
 */
export function createGeneticNegotiation(
  options: GeneticNegotiationOptions = {},
): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createGeneticNegotiation',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const settings = {
    populationSize: opts.populationSize ?? 24,
    generations: opts.generations ?? 30,
    mutationRate: opts.mutationRate ?? 0.3,
    eliteCount: opts.eliteCount ?? 2,
    askTimeoutMs: opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS,
  };
  return {
    kind: 'negotiation',
    name: opts.name ?? 'genetic',
    specificationVersion: 'v1',
    description: "Evolves candidate values against the agents' utilities, seeded and bounded.",
    async negotiate(request, context) {
      checkNegotiation('genetic.negotiate', request, context);
      const preferences = admissible(request);
      const domain = domainOf(request, preferences);
      const fitness = createFitness(request, preferences, domain, context, settings.askTimeoutMs);
      const { best, score, evaluated } = await evolve(
        domain,
        preferences,
        fitness,
        context,
        settings,
      );
      return {
        value: best,
        rounds: settings.generations,
        rationale: `genetic: fittest of ${evaluated} distinct candidates over ${settings.generations} generations (weighted utility ${cleanFloat(score)})`,
      };
    },
  };
}

function domainOf(request: NegotiationRequest, preferences: readonly Preference[]): Domain {
  const c = request.constraints;
  if (c.allowed !== undefined) {
    return { kind: 'discrete', values: c.allowed.filter((a) => satisfiesConstraints(a, c)) };
  }
  const numbers: number[] = [];
  for (const p of preferences) {
    if (typeof p.value !== 'number') {
      const values: unknown[] = [];
      for (const q of preferences)
        if (!values.some((v) => sameValue(v, q.value))) values.push(q.value);
      return { kind: 'discrete', values };
    }
    numbers.push(p.value);
  }
  let low = numbers[0] as number;
  let high = low;
  for (const x of numbers) {
    if (x < low) low = x;
    if (x > high) high = x;
  }
  const lo = c.min ?? Math.min(low, c.max ?? low);
  const hi = c.max ?? Math.max(high, c.min ?? high);
  if (c.step !== undefined) {
    // Clamped to the search interval, then onto the step grid the constraints define.
    const snap = (x: number) => constrainValue(Math.min(hi, Math.max(lo, x)), c) as number;
    return { kind: 'continuous', lo, hi, snap };
  }
  const grid = (hi - lo) / 1_000;
  return {
    kind: 'continuous',
    lo,
    hi,
    snap: (x) => {
      if (grid === 0) return lo;
      const clamped = Math.min(hi, Math.max(lo, x));
      return Math.min(hi, cleanFloat(lo + Math.round((clamped - lo) / grid) * grid));
    },
  };
}

type Fitness = (candidates: readonly unknown[]) => Promise<Map<string, number>>;

/** Scores candidates, caching every score (and every answer a live agent gave) by value. */
function createFitness(
  request: NegotiationRequest,
  preferences: readonly Preference[],
  domain: Domain,
  context: StrategyContext,
  askTimeoutMs: number,
): Fitness {
  const scores = new Map<string, number>();
  const scale = domainScale(domain);
  const closeness = (p: Preference, x: unknown): number =>
    typeof x === 'number' && typeof p.value === 'number'
      ? -Math.abs(x - p.value) / scale
      : sameValue(x, p.value)
        ? 1
        : 0;
  const live =
    context.agents === undefined ? [] : preferences.filter((p) => p.utility === undefined);

  return async (candidates) => {
    const fresh: unknown[] = [];
    const seen = new Set<string>();
    for (const x of candidates) {
      const key = valueKey(x);
      if (!scores.has(key) && !seen.has(key)) {
        seen.add(key);
        fresh.push(x);
      }
    }
    // Live agents rate all fresh candidates at once: one question per agent and candidate.
    const answers = new Map<string, Map<string, number>>();
    if (live.length > 0 && fresh.length > 0) {
      context.signal.throwIfAborted();
      await Promise.all(
        fresh.map(async (x) => {
          const outcomes = await askAgents(
            context,
            live.map((p) => p.agent),
            () => ({ type: 'utility', variableId: request.variableId, value: x }),
            askTimeoutMs,
          );
          const rated = new Map<string, number>();
          outcomes.forEach((outcome, i) => {
            if (
              outcome.ok &&
              typeof outcome.answer === 'number' &&
              Number.isFinite(outcome.answer)
            ) {
              rated.set((live[i] as Preference).agent, outcome.answer);
            }
          });
          answers.set(valueKey(x), rated);
        }),
      );
    }
    for (const x of fresh) {
      const key = valueKey(x);
      let total = 0;
      preferences.forEach((p, i) => {
        let u: number;
        if (p.utility !== undefined) {
          u = p.utility(x);
          if (!Number.isFinite(u)) {
            invalid(
              'genetic negotiation',
              'NEGOTIATION_INVALID_VALUE',
              `preferences.${i}.utility`,
              `returned a non-finite utility for ${describeValue(x)}`,
              u,
            );
          }
        } else {
          u = answers.get(key)?.get(p.agent) ?? closeness(p, x);
        }
        total += p.weight * u;
      });
      scores.set(key, total);
    }
    return scores;
  };
}

function domainScale(domain: Domain): number {
  if (domain.kind === 'continuous') return domain.hi - domain.lo || 1;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of domain.values) {
    if (typeof v === 'number') {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi > lo ? hi - lo : 1;
}

interface Settings {
  populationSize: number;
  generations: number;
  mutationRate: number;
  eliteCount: number;
}

async function evolve(
  domain: Domain,
  preferences: readonly Preference[],
  fitness: Fitness,
  context: StrategyContext,
  settings: Settings,
): Promise<{ best: unknown; score: number; evaluated: number }> {
  const { random } = context;
  const fresh = (): unknown =>
    domain.kind === 'discrete'
      ? random.pick(domain.values)
      : domain.snap(random.float(domain.lo, domain.hi));
  // The preferred values are the natural first generation, where the domain holds them.
  const seedValue = (p: Preference): unknown => {
    if (domain.kind === 'continuous') return domain.snap(p.value as number);
    return domain.values.some((v) => sameValue(v, p.value)) ? p.value : fresh();
  };

  let population: unknown[] = preferences.slice(0, settings.populationSize).map(seedValue);
  while (population.length < settings.populationSize) population.push(fresh());
  let scores = await fitness(population);
  const scoreOf = (x: unknown) => scores.get(valueKey(x)) as number;
  const ranked = () =>
    population
      .map((x, i) => ({ x, i, s: scoreOf(x) }))
      .sort((a, b) => b.s - a.s || a.i - b.i)
      .map((entry) => entry.x);
  const tournament = (): unknown => {
    let winner = random.pick(population);
    for (let t = 1; t < 3; t++) {
      const rival = random.pick(population);
      if (scoreOf(rival) > scoreOf(winner)) winner = rival;
    }
    return winner;
  };

  for (let g = 0; g < settings.generations; g++) {
    context.signal.throwIfAborted();
    const next = ranked().slice(0, settings.eliteCount);
    const spread =
      domain.kind === 'continuous'
        ? (domain.hi - domain.lo) * 0.2 * (1 - g / settings.generations)
        : 0;
    while (next.length < settings.populationSize) {
      const a = tournament();
      const b = tournament();
      let child: unknown;
      if (domain.kind === 'discrete') {
        child = random.chance(0.5) ? a : b;
        if (random.chance(settings.mutationRate)) child = random.pick(domain.values);
      } else {
        const x = a as number;
        let y = x + random.float(-0.25, 1.25) * ((b as number) - x);
        if (random.chance(settings.mutationRate)) y += random.normal() * spread;
        child = domain.snap(y);
      }
      next.push(child);
    }
    population = next;
    scores = await fitness(population);
  }
  const best = ranked()[0];
  return { best, score: scoreOf(best), evaluated: scores.size };
}
