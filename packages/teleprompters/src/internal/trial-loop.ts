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
  propose(observations: readonly TpeObservation[]): Configuration;
  /** Sees each proposal's mini-batch runs once they are scored (BEACON bootstraps demos from them). */
  observe?(candidate: Candidate, records: readonly RunRecord[]): void;
  /**
   * Scores evaluated candidates (higher first) to choose which one runs on the validation
   * examples next. Default: the mean of its runs.
   */
  rank?(
    observations: readonly TpeObservation[],
    configurations: readonly Configuration[],
  ): number[];
}

interface Stats {
  readonly candidate: Candidate;
  sum: number;
  count: number;
  validation: number | undefined;
  /** Scores of its validation runs. */
  validationScores: number[];
}

/**
 * One observation per run: the candidate, the run's score, and the same score credited to each
 * agent that acted, so the surrogate judges an agent's variables on the runs it worked on.
 */
function observationsOf(candidate: Candidate, records: readonly RunRecord[]): TpeObservation[] {
  return records.map((run) => {
    const partScores: Record<string, number> = {};
    for (const trace of run.traces) {
      if (trace.output !== undefined && trace.error === undefined) {
        partScores[trace.agentId] = run.score;
      }
    }
    return {
      configuration: candidate.configuration,
      score: run.score,
      ...(Object.keys(partScores).length === 0 ? {} : { partScores }),
    };
  });
}

/** Adds runs to a candidate's statistics and to the surrogate's observations. */
function record(entry: Stats, records: readonly RunRecord[], observations: TpeObservation[]): void {
  for (const run of records) {
    entry.sum += run.score;
    entry.count++;
  }
  observations.push(...observationsOf(entry.candidate, records));
}

/**
 * The search loop BEACON and random search share: the given team is measured on the validation
 * examples first; each trial then runs one proposal on a fresh mini-batch of training examples;
 * periodically, and once at the end, the most promising unmeasured proposal runs on the
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
  const observations: TpeObservation[] = [];

  const measure = async (entry: Stats) => {
    const result = await context.trial(entry.candidate, validation, validationSeeds, 'validation');
    record(entry, result.records, observations);
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
    const open = [...stats.values()].filter(
      (entry) => entry.validation === undefined && entry.count > 0,
    );
    if (open.length === 0) return undefined;
    const scores =
      loop.rank === undefined
        ? open.map((entry) => entry.sum / entry.count)
        : loop.rank(
            observations,
            open.map((entry) => entry.candidate.configuration),
          );
    let best = 0;
    for (let i = 1; i < open.length; i++) {
      const delta = (scores[i] as number) - (scores[best] as number);
      if (delta > 0 || (delta === 0 && (open[i] as Stats).count > (open[best] as Stats).count)) {
        best = i;
      }
    }
    return open[best];
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
    const entry = entryFor(loop.propose(observations));
    if (cursor + minibatch > order.length) {
      order = random.shuffle(context.trainIndices);
      cursor = 0;
    }
    const batch = order.slice(cursor, cursor + minibatch);
    cursor += minibatch;
    const result = await context.trial(
      entry.candidate,
      batch,
      context.seeds(batch.length),
      'minibatch',
    );
    record(entry, result.records, observations);
    loop.observe?.(entry.candidate, result.records);
    if (!result.complete) {
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
