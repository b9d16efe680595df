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

/** Share of a metric-call budget set aside for the final choice. */
export const FINAL_SHARE = 0.25;
/** Most candidates that enter the final choice. */
const MAX_FIELD = 16;

/**
 * Runs to keep for the final choice: what a share ({@link FINAL_SHARE}) of the budget pays for
 * (its metric calls, or its tokens and cost at the mean spend so far), at least two validation
 * passes; without a budget, what successive halving over a field of 8 takes.
 */
export function finalReserve<O>(context: OptimizerContext<O>): number {
  const size = context.validationIndices.length;
  const runs = context.engine.runsWorth(FINAL_SHARE);
  return Number.isFinite(runs) ? Math.max(2 * size, runs) : 14 * size;
}

/** How many candidates the final choice can take on `calls` metric calls (halving: about 2n passes). */
export function finalFieldSize<O>(context: OptimizerContext<O>, calls: number): number {
  const passes = Math.floor(calls / Math.max(1, context.validationIndices.length));
  return Math.max(2, Math.min(MAX_FIELD, Math.floor((passes + 2) / 2)));
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
 * The final choice, by successive halving on the validation examples: contenders not yet
 * measured there run on them with `seeds` (the seeds every validation so far used, so all are
 * compared on the same runs' luck); then the better half (by the mean of all their validation
 * runs) runs the validation examples again with fresh seeds, shared by the field, until one is
 * left or the budget cannot pay for another round. Ties go to the earlier contender. Contenders
 * the budget could not measure at all drop out (unless none could be measured).
 */
export async function race<O>(
  context: OptimizerContext<O>,
  contenders: readonly Contender[],
  seeds: readonly number[],
): Promise<{
  readonly best: Contender;
  readonly score: number;
  /** Every contender after the first round, in the order given. */
  readonly measured: readonly Contender[];
}> {
  const size = context.validationIndices.length;
  const rank = (field: readonly Contender[]) =>
    field
      .map((contender, index) => ({ contender, index }))
      .sort((a, b) => meanOf(b.contender.scores) - meanOf(a.contender.scores) || a.index - b.index)
      .map((entry) => entry.contender);
  const measured = await Promise.all(
    contenders.map(async (contender) => {
      if (contender.scores.length > 0 || !context.engine.canAfford(size)) return contender;
      const result = await context.trial(
        contender.candidate,
        context.validationIndices,
        seeds,
        'validation',
      );
      if (!result.complete) return contender;
      return { candidate: contender.candidate, scores: result.records.map((run) => run.score) };
    }),
  );
  const scored = measured.filter((contender) => contender.scores.length > 0);
  let field = rank(scored.length > 0 ? scored : measured);
  while (field.length > 1) {
    field = field.slice(0, Math.ceil(field.length / 2));
    if (field.length === 1 || !context.engine.canAfford(field.length * size)) break;
    const fresh = context.seeds(size);
    const results = await Promise.all(
      field.map((contender) =>
        context.trial(contender.candidate, context.validationIndices, fresh, 'validation'),
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
  return { best, score: meanOf(best.scores), measured };
}
