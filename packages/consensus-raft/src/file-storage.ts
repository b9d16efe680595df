import { type FileHandle, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from './errors';
import { checkSnapshot, checkWrite } from './internal/check-state';
import { isString, readField } from './internal/read-field';
import {
  decodeSnapshot,
  encodeSnapshot,
  pad,
  parseSnapshotFileName,
  type SnapshotFileName,
  snapshotFileName,
} from './internal/snapshot-file';
import {
  anyValidFrameAfter,
  encodeRecords,
  readFrame,
  type WalRecord,
} from './internal/wal-records';
import type { Entry, HardState, Snapshot } from './messages';
import {
  EMPTY_HARD_STATE,
  type RaftStorage,
  type RaftStorageState,
  type RaftWrite,
} from './storage';

/** Options of {@link createFileStorage}. */
export interface FileStorageOptions {
  /** The directory the node owns; created when missing. */
  readonly dir: string;
  /** A segment that grew past this many bytes is closed and a new one started. Default 16 MiB. */
  readonly segmentBytes?: number;
  /**
   * What `load` does with a damaged record that has valid records after it (damage inside the log,
   * not a torn tail): `refuse` (the default) rejects with {@link StorageCorruptError} and changes
   * nothing; `truncate` keeps every record before the damage, drops it and everything after it,
   * and lets the node catch up from the leader. `truncate` is an operator's decision: a hard state
   * in the dropped part (a vote) is forgotten too.
   */
  readonly onCorruption?: 'refuse' | 'truncate';
}

/** A file storage refused a damaged record rather than serve it. */
export class StorageCorruptError extends RaftError {
  /** The damaged file. */
  readonly path: string;
  /** Where in it the damage starts, in bytes. */
  readonly offset: number;
  constructor(options: { path: string; offset: number; problem: string }) {
    const path = readField<string>(options, 'path', isString) ?? '(unknown file)';
    const offset = readField<number>(options, 'offset', (v) => typeof v === 'number') ?? Number.NaN;
    const problem = readField<string>(options, 'problem', isString) ?? 'damaged';
    super({
      code: 'RAFT_STORAGE_CORRUPT',
      message: `file storage: ${path} is damaged at byte ${offset} (${problem})`,
    });
    this.name = 'StorageCorruptError';
    this.path = path;
    this.offset = offset;
  }
}

interface Segment {
  readonly seq: number;
  readonly path: string;
  /** The highest entry index recorded in it; 0 when it holds none. */
  maxIndex: number;
}

/**
 * A {@link RaftStorage} on disk. The log is a series of segment files of CRC-checked records; each
 * write appends its records with one `write` and makes them durable with one `fdatasync` (a group
 * commit). Snapshots are written to a temporary file, synced, renamed into place and the directory
 * synced. At `load`, a torn tail (a record cut short or damaged with nothing valid after it: a
 * write whose sync never returned) is truncated; damage inside the log is refused with
 * {@link StorageCorruptError} (see `onCorruption`).
 *
 * @example
 * const storage = createFileStorage({ dir: '/var/lib/varplane/raft/a' });
 * const node = await startRaftNode({ id: 'a', peers, storage, transport, clock, random });
 */
export function createFileStorage(options: FileStorageOptions): RaftStorage {
  const { dir, segmentBytes, onCorruption } = validateOptions(options);
  let segments: Segment[] = [];
  let handle: FileHandle | null = null;
  let size = 0;
  let hardState: HardState = EMPTY_HARD_STATE;
  let firstIndex = 1;
  let lastIndex = 0;
  let snapshotName: string | null = null;
  let state: 'new' | 'open' | 'closed' = 'new';
  let busy = false;

  const syncDir = async () => {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  };

  const startSegment = async (seq: number) => {
    const path = join(dir, `${pad(seq)}.wal`);
    const next = await open(path, 'w');
    // Every segment opens with the hard state, so older segments can be deleted.
    const header = encodeRecords([{ kind: 'hard-state', hardState }]);
    await next.write(header, 0, header.byteLength, 0);
    await next.datasync();
    await syncDir();
    await handle?.close();
    handle = next;
    size = header.byteLength;
    segments.push({ seq, path, maxIndex: 0 });
  };

  const writeSnapshotFile = async (snapshot: Snapshot, origin: 'compact' | 'install') => {
    const name = snapshotFileName(snapshot.metadata, origin);
    const temporary = join(dir, `${name}.tmp`);
    const file = await open(temporary, 'w');
    try {
      const bytes = encodeSnapshot(snapshot);
      await file.write(bytes, 0, bytes.byteLength, 0);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(dir, name));
    await syncDir();
    const previous = snapshotName;
    snapshotName = name;
    return previous;
  };

  const removeFile = async (path: string) => {
    await unlink(path).catch(() => undefined);
  };

  const guard = (operation: string) => {
    if (state !== 'open') {
      throw invalid(`${operation}: the storage is ${state === 'new' ? 'not loaded' : 'closed'}`);
    }
    if (busy) throw invalid(`${operation}: called while another write is in flight`);
  };

  return {
    async load() {
      if (state !== 'new') throw invalid('load: called twice');
      await mkdir(dir, { recursive: true });
      const loaded = await recover(dir, onCorruption);
      segments = loaded.segments;
      hardState = loaded.state.hardState;
      snapshotName = loaded.snapshotName;
      const base = loaded.state.snapshot?.metadata.index ?? 0;
      firstIndex = base + 1;
      lastIndex = base + loaded.state.entries.length;
      const last = segments.at(-1);
      if (last === undefined) {
        state = 'open';
        await startSegment(1);
      } else {
        handle = await open(last.path, 'r+');
        size = (await handle.stat()).size;
        state = 'open';
      }
      return loaded.state;
    },

    async write(given: RaftWrite) {
      guard('write');
      const write = checkWrite(given, 'file storage write');
      busy = true;
      try {
        const records: WalRecord[] = [];
        let replacedSnapshot: string | null = null;
        if (write.snapshot !== null) {
          const { index, term } = write.snapshot.metadata;
          replacedSnapshot = await writeSnapshotFile(write.snapshot, 'install');
          records.push({ kind: 'base', index, term });
          firstIndex = index + 1;
          lastIndex = index;
        }
        checkEntries(write.entries, firstIndex, lastIndex);
        for (const entry of write.entries) records.push({ kind: 'entry', entry });
        if (write.hardState !== null)
          records.push({ kind: 'hard-state', hardState: write.hardState });
        if (records.length === 0) return;
        const bytes = encodeRecords(records);
        const current = handle as FileHandle;
        await current.write(bytes, 0, bytes.byteLength, size);
        await current.datasync();
        size += bytes.byteLength;
        const segment = segments.at(-1) as Segment;
        const last = write.entries.at(-1);
        if (last !== undefined) {
          lastIndex = last.index;
          segment.maxIndex = Math.max(segment.maxIndex, last.index);
        }
        if (write.hardState !== null) hardState = write.hardState;
        if (write.snapshot !== null) {
          // The log now starts at the snapshot: older segments and snapshots hold nothing needed.
          for (const old of segments.slice(0, -1)) await removeFile(old.path);
          segments = [segment];
          if (replacedSnapshot !== null) await removeFile(join(dir, replacedSnapshot));
        }
        if (size >= segmentBytes) await startSegment(segment.seq + 1);
      } finally {
        busy = false;
      }
    },

    async compact(given: Snapshot) {
      guard('compact');
      const snapshot = checkSnapshot(given, 'file storage compact');
      const index = snapshot.metadata.index;
      if (index < firstIndex - 1) return;
      busy = true;
      try {
        const replaced = await writeSnapshotFile(snapshot, 'compact');
        if (replaced !== null) await removeFile(join(dir, replaced));
        firstIndex = index + 1;
        lastIndex = Math.max(lastIndex, index);
        // Drop the oldest segments while every entry in them is covered by the snapshot.
        while (segments.length > 1 && (segments[0] as Segment).maxIndex <= index) {
          await removeFile((segments.shift() as Segment).path);
        }
      } finally {
        busy = false;
      }
    },

    async close() {
      if (state === 'closed') return;
      state = 'closed';
      await handle?.close();
      handle = null;
    },
  };
}

interface Recovered {
  readonly state: RaftStorageState;
  readonly segments: Segment[];
  readonly snapshotName: string | null;
}

// Replays the segments in order, repairing a torn tail, then joins the log to the newest valid snapshot.
async function recover(dir: string, onCorruption: 'refuse' | 'truncate'): Promise<Recovered> {
  const names = await readdir(dir);
  for (const name of names) if (name.endsWith('.tmp')) await unlink(join(dir, name));
  const segments: Segment[] = names
    .filter((name) => /^\d{20}\.wal$/.test(name))
    .sort()
    .map((name) => ({ seq: Number(name.slice(0, 20)), path: join(dir, name), maxIndex: 0 }));

  let hardState: HardState = EMPTY_HARD_STATE;
  let entries: Entry[] = [];
  const bases = new Set<string>();
  scan: for (const [position, segment] of segments.entries()) {
    const buffer = await readFile(segment.path);
    let offset = 0;
    while (offset < buffer.byteLength) {
      const frame = readFrame(buffer, offset);
      let problem: string | null = frame.ok ? null : frame.problem;
      if (frame.ok) {
        const { record } = frame;
        if (record.kind === 'hard-state') hardState = record.hardState;
        else if (record.kind === 'base') {
          bases.add(`${record.index}:${record.term}`);
          entries = [];
        } else {
          const first = entries[0]?.index ?? record.entry.index;
          const last = first + entries.length - 1;
          if (record.entry.index > last + 1) problem = `entry ${record.entry.index} after ${last}`;
          else if (record.entry.index < first) entries = [record.entry];
          else {
            entries.length = record.entry.index - first;
            entries.push(record.entry);
          }
          segment.maxIndex = Math.max(segment.maxIndex, record.entry.index);
        }
      }
      if (problem === null) {
        offset = (frame as { next: number }).next;
        continue;
      }
      const isLast = position === segments.length - 1;
      const torn = isLast && !anyValidFrameAfter(buffer, offset);
      if (!torn && onCorruption === 'refuse') {
        throw new StorageCorruptError({ path: segment.path, offset, problem });
      }
      await truncateFile(segment.path, offset);
      for (const later of segments.splice(position + 1)) await unlink(later.path);
      break scan;
    }
  }

  const snapshots = names
    .map(parseSnapshotFileName)
    .filter((parsed): parsed is SnapshotFileName => parsed !== null)
    .sort((a, b) => b.index - a.index);
  let snapshot: Snapshot | null = null;
  let snapshotName: string | null = null;
  for (const candidate of snapshots) {
    // An installed snapshot whose log record never became durable belongs to a lost write.
    const valid =
      snapshot === null &&
      (candidate.origin === 'compact' || bases.has(`${candidate.index}:${candidate.term}`));
    if (!valid) {
      await unlink(join(dir, candidate.name));
      continue;
    }
    const path = join(dir, candidate.name);
    snapshot = decodeSnapshot(await readFile(path));
    if (snapshot === null) throw new StorageCorruptError({ path, offset: 0, problem: 'checksum' });
    snapshotName = candidate.name;
  }

  const base = snapshot?.metadata.index ?? 0;
  const kept = entries.filter((entry) => entry.index > base);
  const firstKept = kept[0];
  if (firstKept !== undefined && firstKept.index !== base + 1) {
    throw new StorageCorruptError({
      path: dir,
      offset: 0,
      problem: `the log starts at entry ${firstKept.index} but the snapshot ends at ${base}`,
    });
  }
  // A snapshot holds committed state of its term: a hard state behind it (its records lost in a
  // truncation) is raised to it, dropping a vote that belonged to an older term.
  if (snapshot !== null) {
    const { index, term } = snapshot.metadata;
    hardState = {
      term: Math.max(hardState.term, term),
      vote: hardState.term >= term ? hardState.vote : null,
      commit: Math.max(hardState.commit, index),
    };
  }
  return { state: { hardState, snapshot, entries: kept }, segments, snapshotName };
}

async function truncateFile(path: string, length: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.truncate(length);
    await file.datasync();
  } finally {
    await file.close();
  }
}

function checkEntries(entries: readonly Entry[], firstIndex: number, lastIndex: number): void {
  const first = entries[0];
  if (first === undefined) return;
  if (first.index < firstIndex || first.index > lastIndex + 1) {
    throw invalid(
      `write: entries start at ${first.index}, outside the stored log [${firstIndex}, ${lastIndex + 1}]`,
    );
  }
  entries.forEach((entry, offset) => {
    if (entry.index !== first.index + offset) {
      throw invalid(`write: entries[${offset}].index is ${entry.index}, not contiguous`);
    }
  });
}

function validateOptions(options: FileStorageOptions): Required<FileStorageOptions> {
  if (typeof options !== 'object' || options === null) {
    throw invalidOptions('options', options, 'an object');
  }
  let given: { dir: unknown; segmentBytes: unknown; onCorruption: unknown };
  try {
    const { dir, segmentBytes, onCorruption } = options;
    given = { dir, segmentBytes, onCorruption };
  } catch (cause) {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `createFileStorage: the options could not be read (${toErrorInfo(cause).message})`,
      cause,
    });
  }
  const { dir } = given;
  if (typeof dir !== 'string' || dir === '') {
    throw invalidOptions('dir', dir, 'a non-empty path');
  }
  const segmentBytes = given.segmentBytes ?? 16 * 1024 * 1024;
  if (
    typeof segmentBytes !== 'number' ||
    !Number.isSafeInteger(segmentBytes) ||
    segmentBytes < 1024
  ) {
    throw invalidOptions('segmentBytes', segmentBytes, 'an integer >= 1024');
  }
  const onCorruption = given.onCorruption ?? 'refuse';
  if (onCorruption !== 'refuse' && onCorruption !== 'truncate') {
    throw invalidOptions('onCorruption', onCorruption, "'refuse' or 'truncate'");
  }
  return { dir, segmentBytes, onCorruption };
}

function invalidOptions(field: string, value: unknown, expected: string): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_OPTIONS',
    message: `createFileStorage: ${field} must be ${expected}, got ${describeValue(value)}`,
  });
}

function invalid(message: string): RaftError {
  return new RaftError({ code: 'RAFT_STORAGE_INVALID_WRITE', message: `file storage ${message}` });
}
