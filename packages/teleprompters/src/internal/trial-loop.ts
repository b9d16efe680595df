import type { Configuration } from '@varplane/core';
import type { OptimizationResult } from '../optimization-result';
import type { StopReason } from '../progress';
import type { TpeObservation } from '../tpe';
import type { Candidate, RunRecord } from './engine';
import { createExampleEffects } from './example-effects';
import { stableStringify } from './json';
import type { OptimizerContext } from './optimizer';
import { finalFieldSize, finalReserve, race } from './select';

/** How a sequential search proposes and evaluates candidates. */
export interface TrialLoop {
  /** Candidates proposed after the given team. */
  readonly numTrials: number;
  /** Training examples each proposal runs on. */
  readonly minibatchSize: number;
  /** Every this many trials, the best unmeasured candidate runs on the validation examples. */
  readonly fullEvalEvery: number;
  /** Stop after this many validation runs in a row without a new best (0: never). */
  readonly patience: number;
  /** How proposals are labelled in their origins (`tpe`, `sampled`). */
  readonly proposer: string;
  /**
   * Multi-fidelity racing during the search (asynchronous successive halving): a candidate whose
   * mean is in the best third of those measured on as many mini-batches runs on one more, up to
   * this many more (0: never). Good candidates are then judged on more than one noisy mini-batch.
   */
  readonly promotions?: number;
  /** The next candidate, from one observation per candidate measured so far (its mean). */
  propose(observations: readonly TpeObservation[]): Configuration;
  /** Sees each proposal's mini-batch runs once they are scored (BEACON bootstraps demos from them). */
  observe?(candidate: Candidate, records: readonly RunRecord[]): void;
}

interface Stats {
  readonly candidate: Candidate;
  /** Mini-batches it ran on. */
  rungs: number;
  /** Scores of its validation runs (on the validation seeds; empty until measured). */
  validationScores: number[];
}

/** Pseudo-runs at the mean of all runs that a candidate's adjusted mean is shrunk with. */
const SHRINKAGE = 4;
/** Share of the candidates at a rung that go on to the next. */
const PROMOTE_SHARE = 1 / 3;

/**
 * The search loop BEACON and random search share: the given team is measured on the validation
 * examples first; each trial then runs one proposal on a mini-batch of training examples (and,
 * with promotions, the best proposals on more). Every training example keeps one seed for the
 * whole search, so candidates that ran the same example are compared on the same luck, and each
 * candidate's mean is adjusted for how hard its examples were for the others. Periodically the
 * most promising unmeasured proposal runs on the validation examples; at the end the most
 * promising candidates race there (successive halving) and the winner is the result.
 */
export async function runTrialLoop<O>(
  context: OptimizerContext<O>,
  loop: TrialLoop,
): Promise<OptimizationResult> {
  const { engine, random } = context;
  const validation = context.validationIndices;
  const validationSeeds = context.seeds(validation.length);
  const trainSeeds = new Map<number, number>();
  for (const index of context.trainIndices) trainSeeds.set(index, random.int(0, 0x7fffffff));
  const seedsOf = (batch: readonly number[]) =>
    batch.map((index) => trainSeeds.get(index) as number);
  const minibatch = Math.min(loop.minibatchSize, context.trainIndices.length);
  const stats = new Map<string, Stats>();
  const effects = createExampleEffects();
  const add = (entry: Stats, records: readonly RunRecord[]) => {
    for (const run of records) effects.add(entry.candidate.id, run.exampleIndex, run.score);
  };
  const measuredOn = (entry: Stats) => effects.count(entry.candidate.id);
  const shrunk = (entry: Stats) => effects.adjusted(entry.candidate.id, SHRINKAGE) as number;
  // One observation per candidate: its mean adjusted for its examples, so the surrogate weighs
  // teams, not runs, and a team measured on more examples is not counted many times over.
  const observations = (): TpeObservation[] =>
    [...stats.values()]
      .filter((entry) => measuredOn(entry) > 0)
      .map((entry) => ({
        configuration: entry.candidate.configuration,
        score: effects.adjusted(entry.candidate.id, SHRINKAGE) as number,
      }));

  const measure = async (entry: Stats) => {
    const result = await context.trial(entry.candidate, validation, validationSeeds, 'validation');
    if (result.complete) entry.validationScores = result.records.map((run) => run.score);
    return result.complete;
  };

  const entryFor = (configuration: Configuration): Stats => {
    const key = stableStringify(configuration);
    let entry = stats.get(key);
    if (entry === undefined) {
      entry = {
        candidate: context.candidate(configuration, null, loop.proposer),
        rungs: 0,
        validationScores: [],
      };
      stats.set(key, entry);
    }
    return entry;
  };

  const base: Stats = { candidate: context.baseline, rungs: 0, validationScores: [] };
  stats.set(stableStringify(context.baseline.configuration), base);
  if (!(await measure(base))) {
    return context.finish({
      best: context.baseline,
      score: null,
      scoredOn: 'none',
      examplesScored: 0,
      baselineScore: null,
      stopReason: 'budget_exhausted',
    });
  }
  const meanOf = (scores: readonly number[]) =>
    scores.reduce((sum, score) => sum + score, 0) / scores.length;
  const baselineScore = meanOf(base.validationScores);
  let incumbent = baselineScore;
  let stopReason: StopReason = 'completed';
  let sinceImprovement = 0;
  let order = random.shuffle(context.trainIndices);
  let cursor = 0;

  const unmeasured = () =>
    [...stats.values()]
      .filter((entry) => entry.validationScores.length === 0 && measuredOn(entry) > 0)
      .sort(
        (a, b) =>
          shrunk(b) - shrunk(a) || measuredOn(b) - measuredOn(a) || a.candidate.id - b.candidate.id,
      );

  const nextBatch = () => {
    if (cursor + minibatch > order.length) {
      order = random.shuffle(context.trainIndices);
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + minibatch);
    cursor += minibatch;
    return batch;
  };

  /** Whether a candidate that ran on `entry.rungs` mini-batches is in the best share there. */
  const promising = (entry: Stats) => {
    const peers = [...stats.values()].filter(
      (other) =>
        other.validationScores.length === 0 && other.rungs >= entry.rungs && measuredOn(other) > 0,
    );
    const own = shrunk(entry);
    const better = peers.filter((other) => shrunk(other) > own).length;
    return peers.length >= 3 && better < Math.max(1, Math.floor(PROMOTE_SHARE * peers.length));
  };

  const validate = async (entry: Stats): Promise<boolean> => {
    if (!engine.canAfford(validation.length) || !(await measure(entry))) return false;
    const score = meanOf(entry.validationScores);
    if (score > incumbent) {
      incumbent = score;
      sinceImprovement = 0;
      engine.emit({
        type: 'best-improved',
        candidate: entry.candidate.id,
        score,
        scoredOn: 'validation',
        at: engine.now(),
      });
    } else {
      sinceImprovement++;
    }
    return true;
  };

  const run = async (entry: Stats): Promise<boolean> => {
    const batch = nextBatch();
    const result = await context.trial(entry.candidate, batch, seedsOf(batch), 'minibatch');
    add(entry, result.records);
    entry.rungs++;
    loop.observe?.(entry.candidate, result.records);
    return result.complete;
  };

  for (let trial = 0; trial < loop.numTrials; trial++) {
    if (!engine.canAfford(minibatch + finalReserve(context))) {
      stopReason = 'budget_exhausted';
      break;
    }
    const entry = entryFor(loop.propose(observations()));
    if (!(await run(entry))) {
      stopReason = 'budget_exhausted';
      break;
    }
    let cut = false;
    while (
      entry.rungs <= (loop.promotions ?? 0) &&
      promising(entry) &&
      engine.canAfford(minibatch + finalReserve(context))
    ) {
      if (!(await run(entry))) {
        cut = true;
        break;
      }
    }
    if (cut) {
      stopReason = 'budget_exhausted';
      break;
    }
    if ((trial + 1) % loop.fullEvalEvery === 0) {
      const target = unmeasured()[0];
      if (target !== undefined && !(await validate(target))) {
        stopReason = 'budget_exhausted';
        break;
      }
      if (loop.patience > 0 && sinceImprovement >= loop.patience) {
        stopReason = 'early_stopped';
        break;
      }
    }
  }
  // The final field: the best validated candidates and the most promising unmeasured ones,
  // as many as the budget left can race.
  const size = finalFieldSize(context, engine.remainingCalls());
  const validated = [...stats.values()]
    .filter((entry) => entry.validationScores.length > 0)
    .sort((a, b) => meanOf(b.validationScores) - meanOf(a.validationScores));
  const fresh = unmeasured();
  const field: Stats[] = [];
  for (let k = 0; field.length < size && (k < validated.length || k < fresh.length); k++) {
    for (const entry of [fresh[k], validated[k]]) {
      if (entry !== undefined && field.length < size) field.push(entry);
    }
  }
  const winner = await race(
    context,
    field.map((entry) => ({ candidate: entry.candidate, scores: entry.validationScores })),
    validationSeeds,
  );
  return context.finish({
    best: winner.best.candidate,
    score: winner.score,
    scoredOn: 'validation',
    examplesScored: validation.length,
    baselineScore,
    stopReason: engine.exhausted && stopReason === 'completed' ? 'budget_exhausted' : stopReason,
  });
}
