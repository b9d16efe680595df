import { RaftError } from './errors';
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
  const state = new StoredState(options.initial);
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
    async write(write) {
      guard('write');
      busy = true;
      try {
        await options.beforeSync?.();
        state.write(write);
        writes += 1;
      } finally {
        busy = false;
      }
    },
    async compact(snapshot) {
      guard('compact');
      state.compact(snapshot);
    },
    async close() {
      closed = true;
    },
    durable: () => state.copy(),
    writeCount: () => writes,
  };
}

function invalid(message: string): RaftError {
  return new RaftError({
    code: 'RAFT_STORAGE_INVALID_WRITE',
    message: `memory storage ${message}`,
  });
}
