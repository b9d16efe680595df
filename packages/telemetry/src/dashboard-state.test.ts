import { describe, expect, it } from 'vitest';
import { createDashboardModel, type OptimizerUpdate } from './dashboard-state';

function model() {
  return createDashboardModel({
    title: 't',
    series: [],
    collectionIntervalMs: 1_000,
    historyPoints: 10,
    initial: [],
  });
}

describe('createDashboardModel: optimizer progress', () => {
  it("charts a teleprompter's progress$ events: score per finished trial, best so far", () => {
    const m = model();
    const events: OptimizerUpdate[] = [
      { type: 'optimization-started', optimizer: 'SIMBA' },
      { type: 'trial-started', trial: 1 },
      { type: 'trial-finished', trial: 1, score: 0.4 },
      { type: 'trial-finished', trial: 2, score: 0.55 },
      { type: 'trial-finished', trial: 3, score: Number.NaN },
      { type: 'trial-finished', trial: 4, score: 0.5 },
      { type: 'budget-used' },
    ];
    const points = events.map((e) => m.observeTrial(e));
    expect(points.filter((p) => p !== undefined).length).toBe(3);
    expect(m.trials()).toEqual([
      { trial: 1, score: 0.4, bestScore: 0.4, optimizer: 'SIMBA' },
      { trial: 2, score: 0.55, bestScore: 0.55, optimizer: 'SIMBA' },
      { trial: 4, score: 0.5, bestScore: 0.55, optimizer: 'SIMBA' },
    ]);
  });

  it("takes the optimizer's own best (scored on validation) over the best trial score", () => {
    const m = model();
    m.observeTrial({ type: 'trial-finished', trial: 1, score: 0.7 });
    m.observeTrial({ type: 'best-improved', score: 0.62 });
    m.observeTrial({ type: 'trial-finished', trial: 2, score: 0.8 });
    expect(m.trials().map((t) => t.bestScore)).toEqual([0.7, 0.62]);
  });

  it('takes plain trial points as they are, computing the best when left out', () => {
    const m = model();
    m.observeTrial({ trial: 1, score: 0.3 });
    m.observeTrial({ trial: 2, score: 0.2, totalTrials: 5 });
    m.observeTrial({ trial: 3, score: 0.9, bestScore: 0.95 });
    expect(m.trials().map((t) => [t.trial, t.bestScore])).toEqual([
      [1, 0.3],
      [2, 0.3],
      [3, 0.95],
    ]);
  });
});
