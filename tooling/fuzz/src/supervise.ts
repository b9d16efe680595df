import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildMessage, TargetReport } from './run-entry';

export interface FuzzOptions {
  readonly runs: number;
  readonly seed: number;
  /** How long one call may take before it counts as a hang. */
  readonly deadlineMs: number;
}

/** A known failure's replay: `fixed` when its input no longer fails that way. */
export interface ReplayResult {
  readonly target: string;
  readonly outcome: string;
  readonly got: string;
  readonly fixed: boolean;
}

export interface EntryReport {
  readonly entry: string;
  readonly targets: TargetReport[];
  readonly replays: ReplayResult[];
}

/** How long a child may take to load the packages and list its first targets. */
const LOADING_LIMIT_MS = 180_000;
const CHILD = join(new URL('.', import.meta.url).pathname, 'run-entry.ts');
const FUZZ_ROOT = join(new URL('.', import.meta.url).pathname, '..');
// The child runs in a scratch folder, so tsx is named by its path rather than resolved from there.
const TSX = pathToFileURL(join(FUZZ_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * Fuzzes entry points in one child process. A child whose event loop is blocked past the deadline
 * (a synchronous hang) is killed by its PID, and one that dies is noted; either way the target it
 * was on is charged with the failure and a new child goes on from the next target.
 */
export async function fuzzEntries(
  entries: readonly string[],
  options: FuzzOptions,
): Promise<EntryReport[]> {
  const reports = new Map<string, EntryReport>(
    entries.map((entry) => [entry, { entry, targets: [], replays: [] }]),
  );
  const ids = new Map<string, string[]>();
  let remaining = [...entries];
  let from = 0;
  // Files a target writes (stores, checkpoints) land in a scratch folder, removed afterwards.
  const scratch = mkdtempSync(join(tmpdir(), 'varplane-fuzz-'));
  try {
    while (remaining.length > 0) {
      const run = await runChild(remaining, options, from, scratch);
      for (const [entry, list] of run.ids) ids.set(entry, list);
      for (const { entry, report } of run.done) reports.get(entry)?.targets.push(report);
      for (const replay of run.replays) reports.get(replay.entry)?.replays.push(replay);
      if (run.ended) break;
      const entry = run.current?.entry ?? run.lastEntry ?? (remaining[0] as string);
      const index = run.current?.index ?? -1;
      const list = ids.get(entry) ?? [];
      reports.get(entry)?.targets.push({
        id: list[index] ?? `${entry} (loading)`,
        ms: 0,
        inputs: 1,
        values: 0,
        typed: 0,
        codes: {},
        notes: [],
        failures: [
          {
            kind: run.blocked ? 'process-blocked' : 'process-crash',
            detail: run.blocked
              ? `event loop blocked for ${run.silenceMs} ms`
              : run.stderr.slice(-300),
            count: 1,
            input: 'see the child output',
            recipe: { call: 0, args: [] },
          },
        ],
      });
      // Go on after the target that took the child down, or with the next entry.
      remaining = remaining.slice(remaining.indexOf(entry));
      from = index + 1;
      if (index < 0 || from >= list.length) {
        remaining = remaining.slice(1);
        from = 0;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return [...reports.values()];
}

interface ChildRun {
  ids: Map<string, string[]>;
  done: { entry: string; report: TargetReport }[];
  replays: (ReplayResult & { entry: string })[];
  current?: { entry: string; index: number } | undefined;
  lastEntry?: string;
  ended: boolean;
  blocked: boolean;
  silenceMs: number;
  stderr: string;
}

function runChild(
  entries: readonly string[],
  options: FuzzOptions,
  from: number,
  cwd: string,
): Promise<ChildRun> {
  const result: ChildRun = {
    ids: new Map(),
    done: [],
    replays: [],
    ended: false,
    blocked: false,
    silenceMs: 0,
    stderr: '',
  };
  // Every call reports before it starts, and a call gets its deadline, disposal and the wait for
  // open handles: silence well past that is a blocked event loop.
  const silenceLimit = options.deadlineMs * 4 + 8_000;
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        TSX,
        '--conditions=@varplane/source',
        '--stack-size=4000',
        CHILD,
        entries.join(','),
        String(options.runs),
        String(options.seed),
        String(options.deadlineMs),
        String(from),
      ],
      { cwd, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] },
    );
    let buffer = '';
    let lastHeard = Date.now();
    const watchdog = setInterval(() => {
      const silence = Date.now() - lastHeard;
      // Loading every package (and the first enumeration) is not a call: it gets longer.
      if (silence > (result.ids.size === 0 ? LOADING_LIMIT_MS : silenceLimit)) {
        result.blocked = true;
        result.silenceMs = silence;
        child.kill('SIGKILL');
      }
    }, 250);
    child.stderr?.on('data', (chunk: Buffer) => {
      result.stderr = (result.stderr + chunk.toString()).slice(-4000);
    });
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      lastHeard = Date.now();
      buffer += chunk.toString();
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const message = JSON.parse(buffer.slice(0, newline)) as ChildMessage;
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (message.t === 'targets') {
          result.ids.set(message.entry, message.ids);
          result.lastEntry = message.entry;
        } else if (message.t === 'start')
          result.current = { entry: message.entry, index: message.index };
        else if (message.t === 'done') {
          result.done.push({ entry: message.entry, report: message.report });
          result.current = undefined;
        } else if (message.t === 'replay')
          result.replays.push({
            entry: message.entry,
            target: message.target,
            outcome: message.outcome,
            got: `${message.got.kind} ${message.got.detail}`.trim(),
            fixed: message.got.kind !== message.outcome,
          });
        else if (message.t === 'end') result.ended = true;
      }
    });
    child.on('exit', () => {
      clearInterval(watchdog);
      resolve(result);
    });
  });
}
