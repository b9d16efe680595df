import { KNOWN_FAILURES, type KnownFailure } from './known-failures';
import { FAILURE_KINDS, REPLAYABLE } from './outcome';
import type { FailureRecord } from './run-entry';
import type { EntryReport } from './supervise';

export interface Verdict {
  /** Failures no known-failure entry covers: each fails the suite. */
  readonly unexpected: { target: string; failure: FailureRecord }[];
  /** Known failures whose replayed input no longer fails that way: remove them from the list. */
  readonly fixed: { known: KnownFailure; got: string }[];
  readonly tolerated: number;
}

const isKnown = (target: string, kind: string) =>
  KNOWN_FAILURES.some((known) => known.target === target && known.outcome === kind);

/**
 * Compares a run with the known failures. `full` (a `pnpm fuzz` run) also counts a known failure
 * that cannot be replayed as fixed when its target was fuzzed and no longer showed it.
 */
export function verdict(reports: readonly EntryReport[], full = false): Verdict {
  const unexpected: Verdict['unexpected'] = [];
  const fixed: Verdict['fixed'] = [];
  let tolerated = 0;
  for (const report of reports) {
    for (const target of report.targets) {
      for (const failure of target.failures) {
        if (!FAILURE_KINDS.includes(failure.kind as never)) continue;
        // A handle left open is pinned on a target only by timing (a timer of an earlier target
        // may still be pending): the short run in `pnpm test` reports it, the full run judges it.
        if (isKnown(target.id, failure.kind) || (!full && failure.kind === 'open-handle'))
          tolerated += 1;
        else unexpected.push({ target: target.id, failure });
      }
    }
    if (full) {
      for (const known of KNOWN_FAILURES) {
        if (REPLAYABLE.includes(known.outcome as never)) continue;
        const target = report.targets.find((t) => t.id === known.target);
        if (target && !target.failures.some((f) => f.kind === known.outcome)) {
          fixed.push({ known, got: 'not seen in this run' });
        }
      }
    }
    for (const replay of report.replays) {
      if (!replay.fixed) continue;
      const known = KNOWN_FAILURES.find(
        (k) => k.target === replay.target && k.outcome === replay.outcome,
      );
      if (known) fixed.push({ known, got: replay.got });
    }
  }
  return { unexpected, fixed, tolerated };
}

/** One line a failure, with the input that showed it and the entry that would list it. */
export function describeVerdict(result: Verdict): string {
  const lines: string[] = [];
  for (const { target, failure } of result.unexpected) {
    lines.push(
      `NEW ${target}: ${failure.kind} ${failure.detail} x${failure.count} on ${failure.input}`,
    );
    lines.push(
      `    entry: ${JSON.stringify({ target, outcome: failure.kind, owner: '?', input: failure.recipe })}`,
    );
  }
  for (const { known, got } of result.fixed) {
    lines.push(
      `FIXED ${known.target}: ${known.outcome} no longer happens (got ${got}); remove it from known-failures.ts`,
    );
  }
  return lines.join('\n');
}

/** The per-package table of the report: exports and methods fuzzed, inputs, outcomes. */
export function summaryTable(reports: readonly EntryReport[]): string {
  const rows = [
    '| entry point | targets | inputs | values | typed errors | failing targets | failures (kind: targets) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const report of reports) {
    const kinds = new Map<string, number>();
    let failing = 0;
    let inputs = 0;
    let values = 0;
    let typed = 0;
    for (const target of report.targets) {
      inputs += target.inputs;
      values += target.values;
      typed += target.typed;
      if (target.failures.length > 0) failing += 1;
      for (const kind of new Set(target.failures.map((f) => f.kind)))
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const failures = [...kinds].map(([kind, n]) => `${kind}: ${n}`).join(', ') || 'none';
    rows.push(
      `| ${report.entry} | ${report.targets.length} | ${inputs} | ${values} | ${typed} | ${failing} | ${failures} |`,
    );
  }
  return rows.join('\n');
}

/** Entries for known-failures.ts covering every failure in `reports` (one per target and kind). */
export function knownFailureEntries(reports: readonly EntryReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    for (const target of report.targets) {
      const kinds = new Set<string>();
      for (const failure of target.failures) {
        if (kinds.has(failure.kind)) continue;
        kinds.add(failure.kind);
        const owner = OWNERS[report.entry.split('/')[0] as string] ?? '?';
        lines.push(
          `  { target: ${JSON.stringify(target.id)}, outcome: ${JSON.stringify(failure.kind)}, owner: ${JSON.stringify(owner)}, input: ${JSON.stringify(failure.recipe)} }, // ${failure.detail.split('\n')[0]?.slice(0, 90)}`,
        );
      }
    }
  }
  return lines.join('\n');
}

/** Who fixes a package's failures (issue 16 items), for new known-failure entries. */
const OWNERS: Record<string, string> = {
  core: 'fuzz',
  coordination: 'fuzz',
  runtime: 'rt-otp',
  teleprompters: 'tele',
  telemetry: 'obs',
  'dspex-bridge': 'obs',
  'consensus-raft': 'raft-core',
  cluster: 'cluster',
};
