import type { MultiAgentSpace } from '@varplane/core';
import type { Observable } from 'rxjs';
import type { BudgetUsage } from './budget';
import type { ProgressEvent, StopReason, TrialPurpose } from './progress';
import type { TeamConfig } from './team-config';

/** The optimizers of this package, by the name their results and checkpoints carry. */
export type OptimizerName = 'simba' | 'beacon' | 'bootstrap_few_shot' | 'random_search';

/** One trial of an optimization: a candidate team run on some examples. */
export interface TrialSummary {
  readonly trial: number;
  readonly candidate: number;
  readonly purpose: TrialPurpose;
  /** Mean score of the runs that ran; NaN when none did. */
  readonly score: number;
  readonly runs: number;
  readonly failures: number;
}

/** What an optimizer returns. `config` is the part to keep: it is plain, versioned JSON. */
export interface OptimizationResult {
  readonly optimizer: OptimizerName;
  /** The chosen team configuration. */
  readonly config: TeamConfig;
  /** The team given to the optimizer, with `config` applied. */
  readonly space: MultiAgentSpace;
  /** The given team's score on the same examples `config.score` was measured on. */
  readonly baselineScore: number | null;
  readonly score: number | null;
  readonly stopReason: StopReason;
  readonly usage: BudgetUsage;
  readonly trials: readonly TrialSummary[];
  /** Candidate teams built, the given one included. */
  readonly candidates: number;
  /** Runs that failed: the team errored, or the metric threw or returned garbage. */
  readonly failures: number;
  /** Strategies that could not run, and why (`append_rule` without an LM). */
  readonly skipped: readonly { readonly strategy: string; readonly reason: string }[];
  readonly startedAt: number;
  readonly finishedAt: number;
}

/**
 * A running optimization: watch `progress$`, await `result`. `result` rejects with an
 * `OptimizationAbortedError` when the signal fires; `progress$` completes when the run ends.
 */
export interface OptimizerRun {
  readonly progress$: Observable<ProgressEvent>;
  readonly result: Promise<OptimizationResult>;
}
