import type { Entry, HardState, Snapshot } from './messages';

/** What a storage holds: enough for a node to restart exactly where it durably was. */
export interface RaftStorageState {
  readonly hardState: HardState;
  /** The latest snapshot, or null before the first one. */
  readonly snapshot: Snapshot | null;
  /** The entries after the snapshot (or from index 1), contiguous and in order. */
  readonly entries: readonly Entry[];
}

/**
 * One group commit: everything a node must make durable before it sends the messages that depend on
 * it. A storage applies the parts in this order: `snapshot`, then `entries`, then `hardState`.
 */
export interface RaftWrite {
  /** The new hard state, or null when it did not change. */
  readonly hardState: HardState | null;
  /**
   * Entries to append. When the first one's index is at or below the stored last index, the stored
   * entries from that index on are replaced (a follower overwriting a conflicting tail).
   */
  readonly entries: readonly Entry[];
  /**
   * A snapshot received from the leader. It replaces the whole stored log: every stored entry is
   * dropped, since entries kept beyond a snapshot the node did not match could break log matching.
   */
  readonly snapshot: Snapshot | null;
}

/**
 * Stable storage for one Raft node. The node keeps its log in memory and uses the storage only to
 * survive a crash: `load` at start, `write` for every group commit, `compact` after the application
 * takes a snapshot.
 *
 * The driver never starts a `write` or `compact` before the previous call settles, so a storage may
 * keep one file handle and one buffer. A write that resolved must survive a crash of the process
 * (one `fdatasync` per write for a file storage); a write that did not resolve may be lost whole or
 * in part, never half-applied inside one entry. A storage that finds a corrupt record refuses it
 * (rejects `load`) rather than serving it.
 */
export interface RaftStorage {
  /** Reads the durable state. Called once, before any write. */
  load(): Promise<RaftStorageState>;
  /** Makes one group commit durable; resolves only when it is. */
  write(write: RaftWrite): Promise<void>;
  /**
   * Records a snapshot the application took and drops the entries it covers (index at or below
   * `snapshot.metadata.index`). Entries after it are kept.
   */
  compact(snapshot: Snapshot): Promise<void>;
  /** Releases files and handles. */
  close(): Promise<void>;
}

/** The hard state of a node that never ran. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });
