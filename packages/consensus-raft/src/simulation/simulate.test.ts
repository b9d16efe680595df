import { describe, expect, it } from 'vitest';
import { simulate } from './simulate';

// `pnpm test:sim` sets RAFT_SIM_SEEDS=10000; `pnpm test` runs 200. RAFT_SIM_SEED=<n> with
// RAFT_SIM_NODES=<3|5> replays one failing run.
const seeds = Number(process.env.RAFT_SIM_SEEDS ?? 200);
const only = process.env.RAFT_SIM_SEED;
const CHUNK = 250;

describe('seeded raft simulation', () => {
  if (only !== undefined) {
    it(`replays seed ${only}`, () => {
      const report = simulate({
        seed: Number(only),
        nodes: Number(process.env.RAFT_SIM_NODES ?? 3),
      });
      expect(report.recoveryTicks).toBeLessThanOrEqual(500);
    });
    return;
  }
  for (const nodes of [3, 5]) {
    const perSize = Math.floor(seeds / 2);
    for (let from = 0; from < perSize; from += CHUNK) {
      const to = Math.min(perSize, from + CHUNK);
      it(`${nodes} nodes, seeds ${from + 1}-${to}: safe after every step, linearizable, a leader after healing`, () => {
        let committed = 0;
        let crashes = 0;
        let snapshots = 0;
        let operations = 0;
        let proven = 0;
        for (let seed = from + 1; seed <= to; seed++) {
          const report = simulate({ seed, nodes });
          committed += report.committed;
          crashes += report.crashes;
          snapshots += report.snapshotsSent;
          operations += report.operations;
          if (report.linearizable) proven += 1;
          expect(report.recoveryTicks).toBeLessThanOrEqual(500);
        }
        const runs = to - from;
        // The runs did real work: entries committed, nodes crashed, snapshots shipped, and most
        // histories were proven linearizable within the search budget.
        expect(committed).toBeGreaterThan(runs * 10);
        expect(crashes).toBeGreaterThan(0);
        expect(snapshots).toBeGreaterThan(0);
        expect(operations).toBeGreaterThan(runs * 10);
        expect(proven).toBeGreaterThan(runs * 0.9);
      }, 900_000);
    }
  }
});
