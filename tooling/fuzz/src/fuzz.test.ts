import { beforeAll, describe, expect, it } from 'vitest';
import { type EntryReport, fuzzEntries } from './supervise';
import { entryPoints } from './targets';
import { describeVerdict, verdict } from './verdict';

// A few runs per target here; `pnpm fuzz` runs a thousand.
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const entries = entryPoints().map((entry) => entry.name);

describe('every public entry point, fuzzed', () => {
  let reports: EntryReport[] = [];
  beforeAll(async () => {
    reports = await fuzzEntries(entries, { runs: RUNS, seed: 1, deadlineMs: 2000 });
  }, 180_000);

  for (const entry of entries) {
    it(`${entry}: values or typed errors only, and no listed failure fixed`, () => {
      const report = reports.find((r) => r.entry === entry);
      expect(report?.targets.length).toBeGreaterThan(0);
      const text = describeVerdict(verdict(report ? [report] : []));
      expect(text, text).toBe('');
    });
  }
});
