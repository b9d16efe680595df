import type { ErrorInfo } from '@varplane/core';
import type { BudgetUsage } from './budget';

/** Why a trial ran: what the optimizer wanted to learn from it. */
export type TrialPurpose =
  | 'sampling'
  | 'minibatch'
  | 'validation'
  | 'bootstrap'
  | 'evaluation'
  | 'ablation'
  | 'fault';

/** Trials after which a metric that scored every run alike is reported (`metric-constant`). */
export const CONSTANT_SCORE_TRIALS = 3;

/** Why an optimization ended. */
export type StopReason = 'completed' | 'budget_exhausted' | 'early_stopped';

/**
 * What an optimizer reports on `progress$`, as noun-then-verb events. A trial is one candidate
 * team run on a set of examples.
 */
export type ProgressEvent =
  | {
      readonly type: 'optimization-started';
      readonly optimizer: string;
      readonly trainExamples: number;
      readonly validationExamples: number;
      /** Runs answered from the checkpoint instead of being run again. */
      readonly resumableRuns: number;
      readonly at: number;
    }
  | {
      readonly type: 'trial-started';
      readonly trial: number;
      readonly candidate: number;
      readonly purpose: TrialPurpose;
      readonly examples: number;
      readonly at: number;
    }
  | {
      readonly type: 'trial-finished';
      readonly trial: number;
      readonly candidate: number;
      readonly purpose: TrialPurpose;
      /** Mean score over the runs that ran (NaN when none did). */
      readonly score: number;
      readonly runs: number;
      readonly failures: number;
      readonly at: number;
    }
  | {
      readonly type: 'best-improved';
      readonly candidate: number;
      readonly score: number;
      readonly scoredOn: 'validation' | 'trainset';
      readonly at: number;
    }
  | {
      readonly type: 'budget-used';
      readonly usage: BudgetUsage;
      readonly at: number;
    }
  | {
      readonly type: 'strategy-skipped';
      readonly strategy: string;
      readonly reason: string;
      readonly at: number;
    }
  | {
      /**
       * Every run of the first trials scored the same: the metric cannot tell candidates apart,
       * so the search is blind (a metric reading a field the team does not produce scores every
       * run alike). Sent once, after {@link CONSTANT_SCORE_TRIALS} trials.
       */
      readonly type: 'metric-constant';
      readonly score: number;
      readonly trials: number;
      readonly runs: number;
      /** How many of those runs failed (a failed run scores 0). */
      readonly failures: number;
      readonly at: number;
    }
  | { readonly type: 'checkpoint-saved'; readonly runs: number; readonly at: number }
  | { readonly type: 'checkpoint-failed'; readonly error: ErrorInfo; readonly at: number }
  | {
      readonly type: 'optimization-finished';
      readonly stopReason: StopReason;
      readonly score: number | null;
      readonly at: number;
    }
  | {
      readonly type: 'optimization-aborted';
      readonly completedRuns: number;
      readonly at: number;
    }
  | { readonly type: 'optimization-failed'; readonly error: ErrorInfo; readonly at: number };
