import type { Configuration } from '@varplane/core';
import type { OptimizationResult } from '../optimization-result';
import type { StopReason } from '../progress';
import type { TpeObservation } from '../tpe';
import type { Candidate, RunRecord } from './engine';
import { stableStringify } from './json';
import type { OptimizerContext } from './optimizer';
import { race, raceReserve } from './select';

/** How many of the best validated candidates race at the end. */
const RACE_SIZE = 4;

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
  sum: number;
  count: number;
  /** Mini-batches it ran on. */
  rungs: number;
  validation: number | undefined;
  /** Scores of its validation runs. */
  validationScores: number[];
}

/** Pseudo-runs at the mean of all runs that a candidate's mean is shrunk with. */
const SHRINKAGE = 4;
/** Share of the candidates at a rung that go on to the next. */
const PROMOTE_SHARE = 1 / 3;

/** Adds runs to a candidate's statistics. */
function record(entry: Stats, records: readonly RunRecord[]): void {
  for (const run of records) {
    entry.sum += run.score;
    entry.count++;
  }
}

/**
 * The search loop BEACON and random search share: the given team is measured on the validation
 * examples first; each trial then runs one proposal on a fresh mini-batch of training examples
 * (and, with promotions, the best proposals on more); periodically, and once at the end, the
 * most promising unmeasured proposal (best mean shrunk toward the mean of all runs) runs on the
 * validation examples; the best validated candidates then race (successive halving), and the
 * winner is the result.
 */
export async function runTrialLoop<O>(
  context: OptimizerContext<O>,
  loop: TrialLoop,
): Promise<OptimizationResult> {
  const { engine, random } = context;
  const validation = context.validationIndices;
  const validationSeeds = context.seeds(validation.length);
  const minibatch = Math.min(loop.minibatchSize, context.trainIndices.length);
  const stats = new Map<string, Stats>();
  let runSum = 0;
  let runCount = 0;
  const add = (entry: Stats, records: readonly RunRecord[]) => {
    record(entry, records);
    for (const run of records) runSum += run.score;
    runCount += records.length;
  };
  // One observation per candidate: the mean of all its runs, so the surrogate weighs teams, not
  // runs, and a team measured on more examples is not counted many times over.
  const observations = (): TpeObservation[] =>
    [...stats.values()]
      .filter((entry) => entry.count > 0)
      .map((entry) => ({
        configuration: entry.candidate.configuration,
        score: entry.sum / entry.count,
      }));
  const shrunk = (entry: Stats) => {
    const prior = runCount === 0 ? 0 : runSum / runCount;
    return (entry.sum + SHRINKAGE * prior) / (entry.count + SHRINKAGE);
  };

  const measure = async (entry: Stats) => {
    const result = await context.trial(entry.candidate, validation, validationSeeds, 'validation');
    add(entry, result.records);
    if (result.complete) {
      entry.validation = result.mean;
      entry.validationScores = result.records.map((run) => run.score);
    }
    return result.complete;
  };

  const entryFor = (configuration: Configuration): Stats => {
    const key = stableStringify(configuration);
    let entry = stats.get(key);
    if (entry === undefined) {
      entry = {
        candidate: context.candidate(configuration, null, loop.proposer),
        sum: 0,
        count: 0,
        rungs: 0,
        validation: undefined,
        validationScores: [],
      };
      stats.set(key, entry);
    }
    return entry;
  };

  const base: Stats = {
    candidate: context.baseline,
    sum: 0,
    count: 0,
    rungs: 0,
    validation: undefined,
    validationScores: [],
  };
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
  const baselineScore = base.validation as number;
  let incumbent = { entry: base, score: baselineScore };
  let stopReason: StopReason = 'completed';
  let sinceImprovement = 0;
  let order = random.shuffle(context.trainIndices);
  let cursor = 0;
  // Kept back for the last candidate's validation and the final race.
  const reserve = validation.length + raceReserve(context, RACE_SIZE);

  const bestUnmeasured = (): Stats | undefined => {
    let best: Stats | undefined;
    for (const entry of stats.values()) {
      if (entry.validation !== undefined || entry.count === 0) continue;
      if (
        best === undefined ||
        shrunk(entry) > shrunk(best) ||
        (shrunk(entry) === shrunk(best) && entry.count > best.count)
      ) {
        best = entry;
      }
    }
    return best;
  };

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
      (other) => other.validation === undefined && other.rungs >= entry.rungs && other.count > 0,
    );
    const better = peers.filter(
      (other) => other.sum / other.count > entry.sum / entry.count,
    ).length;
    return peers.length >= 3 && better < Math.max(1, Math.floor(PROMOTE_SHARE * peers.length));
  };

  const validate = async (entry: Stats): Promise<boolean> => {
    if (!engine.canAfford(validation.length) || !(await measure(entry))) return false;
    if ((entry.validation as number) > incumbent.score) {
      incumbent = { entry, score: entry.validation as number };
      sinceImprovement = 0;
      engine.emit({
        type: 'best-improved',
        candidate: entry.candidate.id,
        score: incumbent.score,
        scoredOn: 'validation',
        at: engine.now(),
      });
    } else {
      sinceImprovement++;
    }
    return true;
  };

  for (let trial = 0; trial < loop.numTrials; trial++) {
    // Keep enough for one last validation of the best proposal and the final race.
    if (!engine.canAfford(minibatch + reserve)) {
      stopReason = 'budget_exhausted';
      break;
    }
    const entry = entryFor(loop.propose(observations()));
    const batch = nextBatch();
    const result = await context.trial(
      entry.candidate,
      batch,
      context.seeds(batch.length),
      'minibatch',
    );
    add(entry, result.records);
    entry.rungs++;
    loop.observe?.(entry.candidate, result.records);
    if (!result.complete) {
      stopReason = 'budget_exhausted';
      break;
    }
    let cut = false;
    while (
      entry.rungs <= (loop.promotions ?? 0) &&
      promising(entry) &&
      engine.canAfford(minibatch + reserve)
    ) {
      const more = nextBatch();
      const again = await context.trial(
        entry.candidate,
        more,
        context.seeds(more.length),
        'minibatch',
      );
      add(entry, again.records);
      entry.rungs++;
      loop.observe?.(entry.candidate, again.records);
      if (!again.complete) {
        cut = true;
        break;
      }
    }
    if (cut) {
      stopReason = 'budget_exhausted';
      break;
    }
    if ((trial + 1) % loop.fullEvalEvery === 0) {
      const target = bestUnmeasured();
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
  const last = bestUnmeasured();
  if (last !== undefined && !(await validate(last)) && stopReason === 'completed') {
    stopReason = 'budget_exhausted';
  }
  // The best validated candidates race on, so the choice rests on more than one noisy pass.
  const contenders = [...stats.values()]
    .filter((entry) => entry.validation !== undefined)
    .sort((a, b) => (b.validation as number) - (a.validation as number))
    .slice(0, RACE_SIZE)
    .map((entry) => ({ candidate: entry.candidate, scores: entry.validationScores }));
  const winner = await race(context, contenders);
  return context.finish({
    best: winner.best.candidate,
    score: winner.score,
    scoredOn: 'validation',
    examplesScored: validation.length,
    baselineScore,
    stopReason: engine.exhausted && stopReason === 'completed' ? 'budget_exhausted' : stopReason,
  });
}
