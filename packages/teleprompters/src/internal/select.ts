import type { Candidate, TrialResult } from './engine';
import type { OptimizerContext } from './optimizer';

/** Validation scores of some candidates, and the one chosen. */
export interface Selection {
  readonly best: Candidate;
  /** The chosen candidate's mean; null when the budget left nothing to measure it with. */
  readonly score: number | null;
  readonly examples: number;
  readonly results: ReadonlyMap<number, TrialResult>;
}

/**
 * Runs each candidate on the validation examples, all with the same seeds (so differences are
 * the candidates', not the luck of the draw), and picks the best mean among those measured on
 * the most examples. Ties go to the earlier candidate.
 */
export async function selectOnValidation<O>(
  context: OptimizerContext<O>,
  candidates: readonly Candidate[],
  seeds: readonly number[],
): Promise<Selection> {
  const results = await Promise.all(
    candidates.map((candidate) =>
      context.trial(candidate, context.validationIndices, seeds, 'validation'),
    ),
  );
  const byId = new Map<number, TrialResult>();
  results.forEach((result) => {
    byId.set(result.candidate.id, result);
  });
  const most = Math.max(...results.map((result) => result.records.length));
  let best = candidates[0] as Candidate;
  let score: number | null = null;
  if (most > 0) {
    for (const result of results) {
      if (result.records.length !== most) continue;
      if (score === null || result.mean > score) {
        score = result.mean;
        best = result.candidate;
      }
    }
  }
  return { best, score, examples: score === null ? 0 : most, results: byId };
}

/** Share of a metric-call budget set aside for the final race. */
export const RACE_SHARE = 0.1;

/**
 * Validation passes to keep for racing `contenders`: what successive halving would use, but never
 * more than {@link RACE_SHARE} of the metric-call budget (small budgets go to the search).
 */
export function raceReserve<O>(context: OptimizerContext<O>, contenders: number): number {
  let passes = 0;
  for (let field = Math.ceil(contenders / 2); field > 1; field = Math.ceil(field / 2))
    passes += field;
  const max = context.options.budget.maxMetricCalls;
  const size = Math.max(1, context.validationIndices.length);
  const affordable = max === undefined ? passes : Math.floor((RACE_SHARE * max) / size);
  return Math.min(passes, affordable) * context.validationIndices.length;
}

/** A candidate in a race, with the scores of all its validation runs so far. */
export interface Contender {
  readonly candidate: Candidate;
  readonly scores: readonly number[];
}

const meanOf = (scores: readonly number[]) =>
  scores.length === 0
    ? Number.NEGATIVE_INFINITY
    : scores.reduce((a, b) => a + b, 0) / scores.length;

/**
 * Successive halving on the validation examples, so the final choice rests on more than one
 * noisy pass: the better half of the contenders (by the mean of all their validation runs) runs
 * the validation examples again with fresh seeds, until one is left or the budget cannot pay for
 * another round. Ties go to the earlier contender.
 */
export async function race<O>(
  context: OptimizerContext<O>,
  contenders: readonly Contender[],
): Promise<{ readonly best: Contender; readonly score: number }> {
  const rank = (field: readonly Contender[]) =>
    field
      .map((contender, index) => ({ contender, index }))
      .sort((a, b) => meanOf(b.contender.scores) - meanOf(a.contender.scores) || a.index - b.index)
      .map((entry) => entry.contender);
  let field = rank(contenders);
  const size = context.validationIndices.length;
  while (field.length > 1) {
    field = field.slice(0, Math.ceil(field.length / 2));
    if (field.length === 1 || !context.engine.canAfford(field.length * size)) break;
    const seeds = context.seeds(size);
    const results = await Promise.all(
      field.map((contender) =>
        context.trial(contender.candidate, context.validationIndices, seeds, 'validation'),
      ),
    );
    if (results.some((result) => !result.complete)) break;
    field = rank(
      field.map((contender, i) => ({
        candidate: contender.candidate,
        scores: [
          ...contender.scores,
          ...(results[i] as TrialResult).records.map((record) => record.score),
        ],
      })),
    );
  }
  const best = field[0] as Contender;
  return { best, score: meanOf(best.scores) };
}
