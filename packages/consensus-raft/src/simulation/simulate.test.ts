import { describe, expect, it } from 'vitest';
import { simulate } from './simulate';

// `pnpm test:sim` sets RAFT_SIM_SEEDS=10000; `pnpm test` runs a few hundred.
const seeds = Number(process.env.RAFT_SIM_SEEDS ?? 200);

describe('seeded raft simulation', () => {
  for (const nodes of [3, 5]) {
    it(`${nodes} nodes keep every safety property over ${seeds / 2} seeds and recover after healing`, () => {
      let committed = 0;
      let crashes = 0;
      let snapshots = 0;
      for (let seed = nodes * 1_000_000; seed < nodes * 1_000_000 + seeds / 2; seed++) {
        const report = simulate({ seed, nodes });
        committed += report.committed;
        crashes += report.crashes;
        snapshots += report.snapshotsSent;
        expect(report.recoveryTicks).toBeLessThanOrEqual(200);
      }
      // The runs did real work: entries committed, nodes crashed, snapshots shipped.
      expect(committed).toBeGreaterThan(seeds);
      expect(crashes).toBeGreaterThan(0);
      expect(snapshots).toBeGreaterThan(0);
    }, 600_000);
  }
});
