import { RaftError } from './errors';
import type { Entry, Snapshot } from './messages';
import {
  EMPTY_HARD_STATE,
  type RaftStorage,
  type RaftStorageState,
  type RaftWrite,
} from './storage';

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
  let hardState = options.initial?.hardState ?? EMPTY_HARD_STATE;
  let snapshot: Snapshot | null = options.initial?.snapshot ?? null;
  let entries: Entry[] = [...(options.initial?.entries ?? [])];
  let writes = 0;
  let busy = false;
  let closed = false;

  const firstIndex = () => (snapshot?.metadata.index ?? 0) + 1;

  const guard = (operation: string) => {
    if (closed) throw invalid(`${operation}: the storage is closed`);
    if (busy) throw invalid(`${operation}: called while another write is in flight`);
  };

  const applyWrite = (write: RaftWrite) => {
    if (write.snapshot !== null) {
      snapshot = write.snapshot;
      entries = [];
    }
    if (write.entries.length > 0) {
      const first = write.entries[0] as Entry;
      const lastIndex = firstIndex() + entries.length - 1;
      if (first.index < firstIndex() || first.index > lastIndex + 1) {
        throw invalid(
          `write: entries start at ${first.index}, outside the stored log [${firstIndex()}, ${lastIndex + 1}]`,
        );
      }
      write.entries.forEach((entry, offset) => {
        if (entry.index !== first.index + offset) {
          throw invalid(`write: entries[${offset}].index is ${entry.index}, not contiguous`);
        }
      });
      entries.length = first.index - firstIndex();
      for (const entry of write.entries) entries.push(entry);
    }
    if (write.hardState !== null) hardState = write.hardState;
  };

  return {
    async load() {
      if (closed) throw invalid('load: the storage is closed');
      return copy();
    },
    async write(write) {
      guard('write');
      busy = true;
      try {
        await options.beforeSync?.();
        applyWrite(write);
        writes += 1;
      } finally {
        busy = false;
      }
    },
    async compact(next) {
      guard('compact');
      const index = next.metadata.index;
      if (index < firstIndex() - 1) return;
      const drop = Math.min(entries.length, index - firstIndex() + 1);
      entries = entries.slice(drop);
      snapshot = next;
    },
    async close() {
      closed = true;
    },
    durable: () => copy(),
    writeCount: () => writes,
  };

  function copy(): RaftStorageState {
    return { hardState, snapshot, entries: entries.slice() };
  }
}

function invalid(message: string): RaftError {
  return new RaftError({
    code: 'RAFT_STORAGE_INVALID_WRITE',
    message: `memory storage ${message}`,
  });
}
