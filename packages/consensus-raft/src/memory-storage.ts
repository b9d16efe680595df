import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from './errors';
import { checkSnapshot, checkStorageState, checkWrite } from './internal/check-state';
import { StoredState } from './internal/stored-state';
import type { RaftStorage, RaftStorageState } from './storage';

/** Options of {@link createMemoryStorage}. */
export interface MemoryStorageOptions {
  /** The state to start from (a copy is kept). */
  readonly initial?: RaftStorageState;
  /**
   * Called before a write becomes durable; the write waits for it. Tests use it to hold an
   * "fsync" open and watch the driver batch behind it.
   */
  readonly beforeSync?: () => Promise<void> | void;
}

/** A {@link RaftStorage} in memory, with a view of what is durable for tests. */
export interface MemoryStorage extends RaftStorage {
  /** A copy of the durable state: what a restart after a crash would load. */
  durable(): RaftStorageState;
  /** How many writes (group commits) became durable. */
  writeCount(): number;
}

/**
 * A storage in memory: the twin of a file storage for tests and simulations. A write becomes
 * durable when its promise resolves, so a state captured with `durable()` models a crash.
 *
 * @example
 * const storage = createMemoryStorage();
 * const node = await startRaftNode({ id: 'a', peers: ['a'], storage, transport, clock, random });
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const { initial, beforeSync } = readOptions(options);
  const state = new StoredState(initial);
  let writes = 0;
  let busy = false;
  let closed = false;

  const guard = (operation: string) => {
    if (closed) throw invalid(`${operation}: the storage is closed`);
    if (busy) throw invalid(`${operation}: called while another write is in flight`);
  };

  return {
    async load() {
      if (closed) throw invalid('load: the storage is closed');
      return state.copy();
    },
    async write(given) {
      guard('write');
      const write = checkWrite(given, 'memory storage write');
      busy = true;
      try {
        await beforeSync?.();
        state.write(write);
        writes += 1;
      } finally {
        busy = false;
      }
    },
    async compact(snapshot) {
      guard('compact');
      state.compact(checkSnapshot(snapshot, 'memory storage compact'));
    },
    async close() {
      closed = true;
    },
    durable: () => state.copy(),
    writeCount: () => writes,
  };
}

function readOptions(options: unknown): MemoryStorageOptions {
  const refuse = (message: string, cause?: unknown) =>
    new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `createMemoryStorage: ${message}`,
      cause,
    });
  if (typeof options !== 'object' || options === null)
    throw refuse(`options must be an object (got ${describeValue(options)})`);
  let initial: unknown;
  let beforeSync: unknown;
  try {
    ({ initial, beforeSync } = options as MemoryStorageOptions);
  } catch (cause) {
    throw refuse(`the options could not be read (${toErrorInfo(cause).message})`, cause);
  }
  if (beforeSync !== undefined && typeof beforeSync !== 'function')
    throw refuse(`beforeSync must be a function (got ${describeValue(beforeSync)})`);
  const read: { initial?: RaftStorageState; beforeSync?: () => Promise<void> | void } = {};
  if (initial !== undefined)
    read.initial = checkStorageState(initial, 'createMemoryStorage', 'initial');
  if (beforeSync !== undefined) read.beforeSync = beforeSync as () => Promise<void> | void;
  return read;
}

function invalid(message: string): RaftError {
  return new RaftError({
    code: 'RAFT_STORAGE_INVALID_WRITE',
    message: `memory storage ${message}`,
  });
}
