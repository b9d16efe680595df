import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError, type RaftErrorCode } from '../errors';
import type { ConfState, Entry, HardState, Snapshot } from '../messages';
import type { RaftStorageState, RaftWrite } from '../storage';

/**
 * Checks for what a storage is handed: each value read once into a plain copy, every field's type
 * checked, anything else (a Proxy or getter that throws included) refused with `code` naming the
 * field. Writes come once per batch, so a pass over the entries costs nothing next to the fsync.
 */
class Refusal {
  constructor(
    readonly code: RaftErrorCode,
    readonly subject: string,
  ) {}
  fail(path: string, value: unknown, expected: string): never {
    throw new RaftError({
      code: this.code,
      message: `${this.subject}: ${path} must be ${expected} (got ${describeValue(value)})`,
    });
  }
}

function object(
  r: Refusal,
  value: unknown,
  path: string,
  expected: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) r.fail(path, value, expected);
  return value as Record<string, unknown>;
}

function count(r: Refusal, value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    r.fail(path, value, 'an integer >= 0');
  return value;
}

function bytes(r: Refusal, value: unknown, path: string): Uint8Array {
  if (!(value instanceof Uint8Array)) r.fail(path, value, 'a Uint8Array');
  return value;
}

function ids(r: Refusal, value: unknown, path: string): string[] {
  if (!Array.isArray(value)) r.fail(path, value, 'an array of node ids');
  return value.map((id, i) => {
    if (typeof id !== 'string') r.fail(`${path}.${i}`, id, 'a node id');
    return id;
  });
}

function hardState(r: Refusal, value: unknown, path: string): HardState {
  const { term, vote, commit } = object(r, value, path, 'a HardState');
  if (vote !== null && typeof vote !== 'string') r.fail(`${path}.vote`, vote, 'a node id or null');
  return {
    term: count(r, term, `${path}.term`),
    vote: vote as string | null,
    commit: count(r, commit, `${path}.commit`),
  };
}

function entry(r: Refusal, value: unknown, path: string): Entry {
  const { index, term, type, data } = object(r, value, path, 'an Entry');
  if (type !== 'normal' && type !== 'conf-change')
    r.fail(`${path}.type`, type, "'normal' or 'conf-change'");
  return {
    index: count(r, index, `${path}.index`),
    term: count(r, term, `${path}.term`),
    type,
    data: bytes(r, data, `${path}.data`),
  };
}

function entries(r: Refusal, value: unknown, path: string): Entry[] {
  if (!Array.isArray(value)) r.fail(path, value, 'an array of entries');
  return value.map((item, i) => entry(r, item, `${path}.${i}`));
}

function confState(r: Refusal, value: unknown, path: string): ConfState {
  const { voters, learners, votersOutgoing, learnersNext, autoLeave } = object(
    r,
    value,
    path,
    'a ConfState',
  );
  if (typeof autoLeave !== 'boolean') r.fail(`${path}.autoLeave`, autoLeave, 'a boolean');
  return {
    voters: ids(r, voters, `${path}.voters`),
    learners: ids(r, learners, `${path}.learners`),
    votersOutgoing: ids(r, votersOutgoing, `${path}.votersOutgoing`),
    learnersNext: ids(r, learnersNext, `${path}.learnersNext`),
    autoLeave,
  };
}

function snapshot(r: Refusal, value: unknown, path: string): Snapshot {
  const { metadata, data } = object(r, value, path, 'a Snapshot');
  const { index, term, conf } = object(r, metadata, `${path}.metadata`, 'a SnapshotMetadata');
  return {
    metadata: {
      index: count(r, index, `${path}.metadata.index`),
      term: count(r, term, `${path}.metadata.term`),
      conf: confState(r, conf, `${path}.metadata.conf`),
    },
    data: bytes(r, data, `${path}.data`),
  };
}

// The whole check runs under one catch: a value that throws when read is refused like a bad one.
function checked<T>(r: Refusal, what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw new RaftError({
      code: r.code,
      message: `${r.subject}: the ${what} could not be read (${toErrorInfo(error).message})`,
      cause: error,
    });
  }
}

/** A storage write, checked. */
export function checkWrite(value: unknown, subject: string): RaftWrite {
  const r = new Refusal('RAFT_STORAGE_INVALID_WRITE', subject);
  return checked(r, 'write', () => {
    const write = object(r, value, 'write', 'a RaftWrite ({ hardState, entries, snapshot })');
    return {
      hardState: write.hardState === null ? null : hardState(r, write.hardState, 'write.hardState'),
      entries: entries(r, write.entries, 'write.entries'),
      snapshot: write.snapshot === null ? null : snapshot(r, write.snapshot, 'write.snapshot'),
    };
  });
}

/** A snapshot to compact to, checked. */
export function checkSnapshot(value: unknown, subject: string): Snapshot {
  const r = new Refusal('RAFT_STORAGE_INVALID_WRITE', subject);
  return checked(r, 'snapshot', () => snapshot(r, value, 'snapshot'));
}

/** A stored state to start from, checked. */
export function checkStorageState(value: unknown, subject: string, path: string): RaftStorageState {
  const r = new Refusal('RAFT_INVALID_OPTIONS', subject);
  return checked(r, path, () => {
    const state = object(r, value, path, 'a RaftStorageState ({ hardState, snapshot, entries })');
    return {
      hardState: hardState(r, state.hardState, `${path}.hardState`),
      snapshot: state.snapshot === null ? null : snapshot(r, state.snapshot, `${path}.snapshot`),
      entries: entries(r, state.entries, `${path}.entries`),
    };
  });
}
