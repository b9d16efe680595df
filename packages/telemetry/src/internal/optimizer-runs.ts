import type { OptimizerTrial, OptimizerUpdate } from '../dashboard-state';

/** What one attached progress stream is in the middle of. */
interface CurrentRun {
  readonly run: number;
  readonly optimizer: string | undefined;
  lastTrial: number;
  bestSeen: number;
  /** The optimizer's own best (`best-improved`), which wins over the best trial score seen. */
  reportedBest: number | undefined;
}

/**
 * Numbers optimizer runs across every attached stream and folds one stream's updates into trial
 * points of its current run. A run starts at `optimization-started`; for plain points, when the
 * optimizer's name changes or the trial number does not go up (1, 2, 3, 1, 2 is two runs). Best
 * scores never carry over from one run to the next.
 */
export interface OptimizerRuns {
  /** A folder for one attached stream: its updates become points of its own runs. */
  source(): (update: OptimizerUpdate) => OptimizerTrial | undefined;
}

export function createOptimizerRuns(): OptimizerRuns {
  let runs = 0;
  return {
    source() {
      let current: CurrentRun | undefined;
      // `optimization-started` names the next run; the run begins with its first trial.
      let pending: { optimizer: string | undefined } | undefined;
      let pendingBest: number | undefined;
      const begin = (optimizer: string | undefined): CurrentRun => {
        runs += 1;
        current = {
          run: runs,
          optimizer,
          lastTrial: Number.NEGATIVE_INFINITY,
          bestSeen: Number.NEGATIVE_INFINITY,
          reportedBest: pendingBest,
        };
        pending = undefined;
        pendingBest = undefined;
        return current;
      };
      const point = (
        run: CurrentRun,
        trial: number,
        score: number,
        extra: { bestScore?: number; totalTrials?: number },
      ): OptimizerTrial => {
        run.lastTrial = trial;
        run.bestSeen = Math.max(run.bestSeen, score);
        return {
          run: run.run,
          trial,
          score,
          bestScore: extra.bestScore ?? run.reportedBest ?? run.bestSeen,
          ...(run.optimizer === undefined ? {} : { optimizer: run.optimizer }),
          ...(extra.totalTrials === undefined ? {} : { totalTrials: extra.totalTrials }),
        };
      };
      return (update) => {
        if ('type' in update) {
          switch (update.type) {
            case 'optimization-started':
              current = undefined;
              pending = { optimizer: update.optimizer };
              pendingBest = undefined;
              return undefined;
            case 'best-improved':
              if (typeof update.score !== 'number' || !Number.isFinite(update.score)) {
                return undefined;
              }
              if (current === undefined) {
                pendingBest = Math.max(pendingBest ?? Number.NEGATIVE_INFINITY, update.score);
              } else {
                current.reportedBest = Math.max(
                  current.reportedBest ?? Number.NEGATIVE_INFINITY,
                  update.score,
                );
              }
              return undefined;
            case 'trial-finished': {
              if (typeof update.trial !== 'number' || !Number.isFinite(update.trial)) {
                return undefined;
              }
              // A trial whose runs all failed has no score to plot.
              if (typeof update.score !== 'number' || !Number.isFinite(update.score)) {
                return undefined;
              }
              const run = current ?? begin(pending?.optimizer ?? update.optimizer);
              return point(run, update.trial, update.score, {});
            }
            default:
              return undefined;
          }
        }
        if (!Number.isFinite(update.trial) || !Number.isFinite(update.score)) return undefined;
        const sameRun =
          current !== undefined &&
          current.optimizer === update.optimizer &&
          update.trial > current.lastTrial;
        const run = sameRun ? (current as CurrentRun) : begin(update.optimizer);
        return point(run, update.trial, update.score, {
          ...(update.bestScore === undefined ? {} : { bestScore: update.bestScore }),
          ...(update.totalTrials === undefined ? {} : { totalTrials: update.totalTrials }),
        });
      };
    },
  };
}
