import type { LanguageModel, MultiAgentSpace, MutationStrategy } from '@varplane/core';
import { z } from 'zod';
import { inputError } from './errors';
import { MAX_TIMEOUT_MS } from './internal/deadline';
import { agentsWithDemos, type DemoBuilder, defaultDemoBuilder } from './internal/demos';
import type { Candidate, RunRecord } from './internal/engine';
import { jsonEqual } from './internal/json';
import {
  type CommonOptimizerOptions,
  type OptimizerContext,
  prepareOptimizer,
  startOptimizer,
} from './internal/optimizer';
import { race, raceReserve, selectOnValidation } from './internal/select';
import {
  applyStrategy,
  type Bucket,
  dropDemos,
  type SimbaStrategy,
} from './internal/simba-strategies';
import { mean, percentile, softmaxPick } from './internal/stats';
import type { OptimizerRun } from './optimization-result';
import type { TeamExample } from './team-example';
import {
  createTeamMutations,
  TEAM_MUTATION_TARGETS,
  type TeamMutationName,
} from './team-mutations';
import type { TeamMetric } from './team-runner';

/** SIMBA's strategies: the four team mutations, plus demos and rules from traces. */
export type SimbaStrategyName = TeamMutationName | 'append_demo' | 'append_rule';

/** Every strategy SIMBA knows, in its default order. */
export const SIMBA_STRATEGIES: readonly SimbaStrategyName[] = [
  'agent_selection',
  'topology_mutation',
  'parameter_mutation',
  'resource_reallocation',
  'append_demo',
  'append_rule',
];

/** Options of {@link simba}; the names follow DSPy's SIMBA. */
export interface SimbaOptions extends CommonOptimizerOptions {
  /** Mini-batch size (default 32; at most the training examples). */
  readonly bsize?: number;
  /** New candidate teams per step, and runs per example when sampling (default 6). */
  readonly numCandidates?: number;
  /** Optimization steps (default 8). */
  readonly maxSteps?: number;
  /** Another name for `maxSteps`, as the API card calls it. */
  readonly generations?: number;
  /** Most demos an agent holds before some are dropped (default 4). */
  readonly maxDemos?: number;
  /** Softmax temperature for picking teams to sample runs from (default 0.2). */
  readonly temperatureForSampling?: number;
  /** Softmax temperature for picking the team a candidate is built from (default 0.2). */
  readonly temperatureForCandidates?: number;
  /** Strategy names, or mutation strategy plugins of your own (default: all of them). */
  readonly strategies?: readonly (SimbaStrategyName | MutationStrategy)[];
  /** How far a mutation moves, in [0, 1] (default 0.5). */
  readonly mutationStrength?: number;
  /**
   * How long one call to a mutation plugin may take, in ms (default 30,000). Past it the plugin's
   * signal fires and the step goes on without it (a `strategy-skipped` event, `MUTATION_TIMEOUT`).
   */
  readonly mutationTimeoutMs?: number;
  /** Writes `append_rule` advice; without it `append_rule` is skipped, and the result says so. */
  readonly lm?: LanguageModel;
  /** Turns an agent step into a demo for that agent (default: its input and output fields). */
  readonly demoBuilder?: DemoBuilder;
}

const mutationSchema = z.custom<MutationStrategy>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    (value as MutationStrategy).kind === 'mutation' &&
    typeof (value as MutationStrategy).name === 'string' &&
    typeof (value as MutationStrategy).mutate === 'function',
  'must be a strategy name or a mutation strategy',
);

const shape = {
  bsize: z.int().positive().default(32),
  numCandidates: z.int().positive().default(6),
  maxSteps: z.int().positive().optional(),
  generations: z.int().positive().optional(),
  maxDemos: z.int().nonnegative().default(4),
  temperatureForSampling: z.number().positive().default(0.2),
  temperatureForCandidates: z.number().positive().default(0.2),
  strategies: z
    .array(z.union([z.enum(SIMBA_STRATEGIES as [SimbaStrategyName]), mutationSchema]))
    .min(1)
    .optional(),
  mutationStrength: z.number().gt(0).max(1).default(0.5),
  mutationTimeoutMs: z.int().positive().max(MAX_TIMEOUT_MS).default(30_000),
  lm: z
    .custom<LanguageModel>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as LanguageModel).generate === 'function',
      'must be a LanguageModel',
    )
    .optional(),
  demoBuilder: z
    .custom<DemoBuilder>((value) => typeof value === 'function', 'must be a function')
    .optional(),
};

type Parsed = z.output<z.ZodObject<typeof shape>>;

/** Pseudo-runs at the mean of all runs that every team's average is shrunk with. */
const SHRINKAGE = 4;

/**
 * SIMBA (stochastic introspective mini-batch ascent) over a whole team. Each step takes a
 * mini-batch, runs it `numCandidates` times with teams drawn by softmax over their scores, sorts
 * the examples by the gap between their best and worst runs, and builds new candidate teams from
 * the most variable ones with a strategy: a team mutation (`agent_selection`,
 * `topology_mutation`, `parameter_mutation`, `resource_reallocation`, or a plugin), `append_demo`
 * (the best run's steps become demos of the agents that took them) or `append_rule` (an LM writes
 * advice from the best and worst runs). The teams with the best averages (shrunk toward the
 * mean of all runs) go to a final choice made on held-out validation examples.
 *
 * @example
 * const run = simba(space, trainset, exactMatch, { runner, bsize: 8, numCandidates: 4, seed: 1 });
 * run.progress$.subscribe((event) => console.log(event.type));
 * const { config, score } = await run.result;
 */
export function simba(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metric: TeamMetric,
  options: SimbaOptions,
): OptimizerRun {
  const prepared = prepareOptimizer('simba', space, trainset, metric, options, shape);
  const { team } = prepared;
  const o = prepared.options;
  const mutations = createTeamMutations();
  const notes: { strategy: string; reason: string }[] = [];
  const strategies: SimbaStrategy[] = [];
  for (const entry of o.strategies ?? SIMBA_STRATEGIES) {
    if (typeof entry !== 'string') {
      strategies.push({ name: entry.name, kind: 'mutation', plugin: entry });
    } else if (entry === 'append_rule') {
      if (o.lm === undefined) {
        notes.push({
          strategy: entry,
          reason: 'no LM was given (options.lm), so no rule can be written',
        });
      } else strategies.push({ name: entry, kind: 'trace' });
    } else if (entry === 'append_demo') {
      if (o.maxDemos === 0) notes.push({ strategy: entry, reason: 'maxDemos is 0' });
      else if (agentsWithDemos(team).length === 0) {
        notes.push({ strategy: entry, reason: 'no agent has a demos variable' });
      } else strategies.push({ name: entry, kind: 'trace' });
    } else {
      strategies.push({
        name: entry,
        kind: 'mutation',
        plugin: mutations[entry],
        targets: TEAM_MUTATION_TARGETS[entry],
      });
    }
  }
  if (
    strategies.length === 0 ||
    (team.variables.dimensionality().total === 0 && agentsWithDemos(team).length === 0)
  ) {
    throw inputError(
      'TEAM_SPACE_NOT_SEARCHABLE',
      'simba',
      'space',
      `gives SIMBA nothing to change (${notes.map((note) => `${note.strategy}: ${note.reason}`).join('; ') || 'no variable can vary'})`,
      space.id,
    );
  }
  return startOptimizer(prepared, async (context) => {
    for (const note of notes) context.skip(note.strategy, note.reason);
    return runSimba(context, strategies);
  });
}

async function runSimba(context: OptimizerContext<Parsed>, strategies: readonly SimbaStrategy[]) {
  const { engine, random, options: o } = context;
  const maxSteps = o.maxSteps ?? o.generations ?? 8;
  const bsize = Math.min(o.bsize, context.trainIndices.length);
  const numCandidates = o.numCandidates;
  const demoBuilder = o.demoBuilder ?? defaultDemoBuilder;
  const validationSeeds = context.seeds(context.validationIndices.length);

  const programs: Candidate[] = [context.baseline];
  const programScores = new Map<number, number[]>([[0, []]]);
  // Every run so far, so a team's average can be shrunk toward it: a team lucky on its first
  // few runs does not outrank one measured on many (mini-batches of 8 are noisy).
  let runSum = 0;
  let runCount = 0;
  const averageOf = (id: number) => {
    const scores = programScores.get(id) ?? [];
    if (scores.length === 0) return 0;
    const prior = runCount === 0 ? 0 : runSum / runCount;
    return (mean(scores) * scores.length + SHRINKAGE * prior) / (scores.length + SHRINKAGE);
  };
  // The best k by average score, with the given team always among them (as DSPy keeps it).
  const topPlusBaseline = (k: number): Candidate[] => {
    const ranked = [...programs].sort((a, b) => averageOf(b.id) - averageOf(a.id) || a.id - b.id);
    const top = ranked.slice(0, k);
    if (!top.some((program) => program.id === 0)) top[top.length - 1] = context.baseline;
    return top;
  };
  const pick = (pool: readonly Candidate[], temperature: number) =>
    softmaxPick(
      pool,
      pool.map((program) => averageOf(program.id)),
      temperature,
      random,
    );

  let order = random.shuffle(context.trainIndices);
  let cursor = 0;
  let bestTrain = Number.NEGATIVE_INFINITY;
  let stopReason: 'completed' | 'budget_exhausted' = 'completed';
  // The final choice runs every finalist on the validation examples, then races the better half.
  const slots = numCandidates + 1;
  const reserve = slots * context.validationIndices.length + raceReserve(context, slots);
  const stepCost = 2 * numCandidates * bsize;

  for (let step = 0; step < maxSteps; step++) {
    if (!engine.canAfford(stepCost + reserve)) {
      stopReason = 'budget_exhausted';
      break;
    }
    if (cursor + bsize > order.length) {
      order = random.shuffle(context.trainIndices);
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + bsize);
    cursor += bsize;

    // Trajectory sampling: numCandidates runs per example, each by a team drawn by softmax.
    const top = topPlusBaseline(numCandidates);
    const plan: { program: Candidate; slot: number; seed: number }[] = [];
    for (let m = 0; m < numCandidates; m++) {
      batch.forEach((_, j) => {
        plan.push({
          program: pick(top, o.temperatureForSampling),
          slot: j,
          seed: random.int(0, 0x7fffffff),
        });
      });
    }
    const groups = new Map<number, number[]>();
    plan.forEach((entry, i) => {
      const list = groups.get(entry.program.id) ?? [];
      list.push(i);
      groups.set(entry.program.id, list);
    });
    const outputs = new Array<RunRecord | undefined>(plan.length);
    await Promise.all(
      [...groups.values()].map(async (members) => {
        const first = plan[members[0] as number] as (typeof plan)[number];
        const result = await context.trial(
          first.program,
          members.map((i) => batch[(plan[i] as (typeof plan)[number]).slot] as number),
          members.map((i) => (plan[i] as (typeof plan)[number]).seed),
          'sampling',
        );
        members.forEach((i, k) => {
          outputs[i] = result.records.length === members.length ? result.records[k] : undefined;
        });
      }),
    );
    if (outputs.some((record) => record === undefined)) {
      stopReason = 'budget_exhausted';
      break;
    }
    const records = outputs as RunRecord[];
    // Sampling runs are evidence about the teams that made them, so they count toward their
    // averages too (DSPy counts only mini-batch evaluations, leaving the given team at 0).
    plan.forEach((entry, i) => {
      programScores.get(entry.program.id)?.push((records[i] as RunRecord).score);
    });
    for (const record of records) {
      runSum += record.score;
      runCount++;
    }
    const all = records.map((record) => record.score);
    const p10 = percentile(all, 10);
    const p90 = percentile(all, 90);
    const buckets: Bucket[] = batch.map((exampleIndex, j) => {
      const runs = records
        .filter((_, i) => (plan[i] as (typeof plan)[number]).slot === j)
        .sort((a, b) => b.score - a.score || a.seq - b.seq);
      const max = (runs[0] as RunRecord).score;
      const min = (runs[runs.length - 1] as RunRecord).score;
      const avg = mean(runs.map((run) => run.score));
      return { exampleIndex, runs, key: [max - min, max, max - avg] as const };
    });
    buckets.sort((a, b) => {
      for (let i = 0; i < 3; i++) {
        const delta = (b.key[i] as number) - (a.key[i] as number);
        if (delta !== 0) return delta;
      }
      return 0;
    });

    // New candidates, one per bucket, from teams drawn by softmax.
    const fresh: Candidate[] = [];
    for (const bucket of buckets) {
      if (fresh.length >= numCandidates) break;
      const source = pick(topPlusBaseline(numCandidates), o.temperatureForCandidates);
      const strategy = random.pick(strategies);
      // Demos are dropped only to make room for new ones: a mutation that also lost demos at
      // random would be judged on two changes at once (DSPy drops before every strategy).
      const dropped =
        strategy.name === 'append_demo'
          ? dropDemos(context, source.configuration)
          : source.configuration;
      const next = await applyStrategy(context, strategy, bucket, dropped, {
        p10,
        p90,
        demoBuilder,
        programOf: (id) => programs.find((program) => program.id === id),
      });
      if (next === undefined || jsonEqual(next, source.configuration)) continue;
      if (programs.some((program) => jsonEqual(program.configuration, next))) continue;
      fresh.push(context.candidate(next, source, strategy.name));
    }
    if (fresh.length === 0) continue;

    const seeds = context.seeds(batch.length);
    const results = await Promise.all(
      fresh.map((candidate) => context.trial(candidate, batch, seeds, 'minibatch')),
    );
    let stepBest: { candidate: Candidate; score: number } | undefined;
    for (const result of results) {
      if (result.records.length === 0) continue;
      programs.push(result.candidate);
      programScores.set(
        result.candidate.id,
        result.records.map((record) => record.score),
      );
      for (const record of result.records) {
        runSum += record.score;
        runCount++;
      }
      if (stepBest === undefined || result.mean > stepBest.score) {
        stepBest = { candidate: result.candidate, score: result.mean };
      }
    }
    if (stepBest !== undefined) {
      if (stepBest.score > bestTrain) {
        bestTrain = stepBest.score;
        engine.emit({
          type: 'best-improved',
          candidate: stepBest.candidate.id,
          score: stepBest.score,
          scoredOn: 'trainset',
          at: engine.now(),
        });
      }
    }
    if (results.some((result) => !result.complete)) {
      stopReason = 'budget_exhausted';
      break;
    }
  }

  // The teams with the best shrunk averages (the given team first) compete on the validation
  // examples: an average over many runs says more than one step's win on a mini-batch.
  const finalists = [
    ...new Map(
      [context.baseline, ...topPlusBaseline(slots - 1)].map(
        (candidate) => [candidate.id, candidate] as const,
      ),
    ).values(),
  ];
  const selection = await selectOnValidation(context, finalists, validationSeeds);
  const baselineResult = selection.results.get(0);
  // The finalists measured on every validation example race on (successive halving).
  let best = selection.best;
  let score = selection.score;
  if (score !== null) {
    const contenders = finalists
      .map((candidate) => selection.results.get(candidate.id))
      .filter((result) => result !== undefined && result.records.length === selection.examples)
      .map((result) => ({
        candidate: (result as NonNullable<typeof result>).candidate,
        scores: (result as NonNullable<typeof result>).records.map((record) => record.score),
      }));
    const winner = await race(context, contenders);
    best = winner.best.candidate;
    score = winner.score;
    engine.emit({
      type: 'best-improved',
      candidate: best.id,
      score,
      scoredOn: 'validation',
      at: engine.now(),
    });
  }
  return context.finish({
    best,
    score,
    scoredOn: score === null ? 'none' : 'validation',
    examplesScored: selection.examples,
    baselineScore:
      baselineResult !== undefined &&
      baselineResult.records.length === selection.examples &&
      selection.examples > 0
        ? baselineResult.mean
        : null,
    stopReason: engine.exhausted && stopReason === 'completed' ? 'budget_exhausted' : stopReason,
  });
}
