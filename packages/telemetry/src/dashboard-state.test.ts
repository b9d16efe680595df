import { describe, expect, it } from 'vitest';
import { createDashboardModel, type OptimizerUpdate } from './dashboard-state';

function model() {
  return createDashboardModel({
    title: 't',
    series: [],
    collectionIntervalMs: 1_000,
    historyPoints: 10,
    maxEdges: 60,
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
    const fold = m.optimizerSource();
    const points = events.map((e) => fold(e));
    expect(points.filter((p) => p !== undefined).length).toBe(3);
    expect(m.trials()).toEqual([
      { run: 1, trial: 1, score: 0.4, bestScore: 0.4, optimizer: 'SIMBA' },
      { run: 1, trial: 2, score: 0.55, bestScore: 0.55, optimizer: 'SIMBA' },
      { run: 1, trial: 4, score: 0.5, bestScore: 0.55, optimizer: 'SIMBA' },
    ]);
  });

  it("takes the optimizer's own best (scored on validation) over the best trial score", () => {
    const m = model();
    const fold = m.optimizerSource();
    fold({ type: 'trial-finished', trial: 1, score: 0.7 });
    fold({ type: 'best-improved', score: 0.62 });
    fold({ type: 'trial-finished', trial: 2, score: 0.8 });
    expect(m.trials().map((t) => t.bestScore)).toEqual([0.7, 0.62]);
  });

  it('takes plain trial points as they are, computing the best when left out', () => {
    const m = model();
    const fold = m.optimizerSource();
    fold({ trial: 1, score: 0.3 });
    fold({ trial: 2, score: 0.2, totalTrials: 5 });
    fold({ trial: 3, score: 0.9, bestScore: 0.95 });
    expect(m.trials().map((t) => [t.trial, t.bestScore])).toEqual([
      [1, 0.3],
      [2, 0.3],
      [3, 0.95],
    ]);
  });

  it('makes one series per optimizer run: no best score or trial axis carries over', () => {
    const m = model();
    const fold = m.optimizerSource();
    const simba = [0.5, 0.9, 0.7];
    const beacon = [0.2, 0.3];
    fold({ type: 'optimization-started', optimizer: 'SIMBA' });
    for (const [i, score] of simba.entries()) fold({ type: 'trial-finished', trial: i + 1, score });
    fold({ type: 'best-improved', score: 0.9 });
    fold({ type: 'optimization-started', optimizer: 'BEACON' });
    for (const [i, score] of beacon.entries())
      fold({ type: 'trial-finished', trial: i + 1, score });
    expect(m.trials().map((t) => [t.run, t.optimizer, t.trial, t.bestScore])).toEqual([
      [1, 'SIMBA', 1, 0.5],
      [1, 'SIMBA', 2, 0.9],
      [1, 'SIMBA', 3, 0.9],
      [2, 'BEACON', 1, 0.2],
      [2, 'BEACON', 2, 0.3],
    ]);
  });

  it('starts a new run for plain points whose trial number goes back or whose optimizer changes', () => {
    const m = model();
    const fold = m.optimizerSource();
    const points: [number, number][] = [
      [1, 0.1],
      [2, 0.2],
      [3, 0.9],
      [1, 0.1],
      [2, 0.2],
    ];
    for (const [trial, score] of points) fold({ trial, score });
    fold({ trial: 3, score: 0.1, optimizer: 'BEACON' });
    expect(m.trials().map((t) => [t.run, t.trial, t.bestScore])).toEqual([
      [1, 1, 0.1],
      [1, 2, 0.2],
      [1, 3, 0.9],
      [2, 1, 0.1],
      [2, 2, 0.2],
      [3, 3, 0.1],
    ]);
  });

  it('keeps streams attached apart as runs apart, even interleaved', () => {
    const m = model();
    const a = m.optimizerSource();
    const b = m.optimizerSource();
    a({ type: 'optimization-started', optimizer: 'SIMBA' });
    b({ type: 'optimization-started', optimizer: 'BEACON' });
    a({ type: 'trial-finished', trial: 1, score: 0.8 });
    b({ type: 'trial-finished', trial: 1, score: 0.1 });
    a({ type: 'trial-finished', trial: 2, score: 0.4 });
    b({ type: 'trial-finished', trial: 2, score: 0.3 });
    expect(m.trials().map((t) => [t.run, t.optimizer, t.bestScore])).toEqual([
      [1, 'SIMBA', 0.8],
      [2, 'BEACON', 0.1],
      [1, 'SIMBA', 0.8],
      [2, 'BEACON', 0.3],
    ]);
  });
});
