import type { Entry, Snapshot } from '../messages';
import { entrySize } from '../messages';

/**
 * A node's log in memory: the entries after the latest snapshot, the commit and apply points, and
 * which entries are not yet handed to storage. Storage is only for surviving a crash; the node
 * reads its own log from here.
 */
export class RaftLog {
  snapshotIndex = 0;
  snapshotTerm = 0;
  entries: Entry[] = [];
  committed = 0;
  applied = 0;
  /** Committed entries handed to the application and not yet acknowledged. */
  applying = 0;
  /** The lowest index not yet handed to storage. */
  unstableFrom = 1;

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], committed: number) {
    if (snapshot !== null) {
      this.snapshotIndex = snapshot.metadata.index;
      this.snapshotTerm = snapshot.metadata.term;
    }
    this.entries = entries.slice();
    this.committed = Math.max(this.snapshotIndex, Math.min(committed, this.lastIndex()));
    this.applied = this.snapshotIndex;
    this.applying = this.snapshotIndex;
    this.unstableFrom = this.lastIndex() + 1;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    const last = this.entries[this.entries.length - 1];
    return last === undefined ? this.snapshotTerm : last.term;
  }

  /** The term of the entry at `index`; undefined when compacted away or beyond the log. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return (this.entries[index - this.snapshotIndex - 1] as Entry).term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  entry(index: number): Entry | undefined {
    return this.entries[index - this.snapshotIndex - 1];
  }

  /** True when a log ending at (`lastIndex`, `lastTerm`) is at least as up to date as this one. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const term = this.lastTerm();
    return lastTerm > term || (lastTerm === term && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most `maxBytes` of them but at least one. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    const out: Entry[] = [];
    let bytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.entries[index - this.snapshotIndex - 1] as Entry;
      bytes += entrySize(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Appends at the end (a leader's own proposals). */
  append(entries: readonly Entry[]): void {
    for (const entry of entries) this.entries.push(entry);
  }

  /**
   * Accepts entries from the leader after (`index`, `logTerm`) matched: skips the ones already
   * held, truncates at the first conflict, appends the rest. Returns the last new index.
   */
  appendFromLeader(index: number, entries: readonly Entry[]): number {
    let conflictAt = -1;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      if (entry.index <= this.snapshotIndex) continue;
      if (!this.matchTerm(entry.index, entry.term)) {
        conflictAt = i;
        break;
      }
    }
    if (conflictAt >= 0) {
      const first = (entries[conflictAt] as Entry).index;
      if (first <= this.committed) {
        throw new Error(`raft: entry ${first} conflicts with committed entry ${this.committed}`);
      }
      this.entries.length = first - this.snapshotIndex - 1;
      for (let i = conflictAt; i < entries.length; i++) this.entries.push(entries[i] as Entry);
      if (first < this.unstableFrom) this.unstableFrom = first;
    }
    return index + entries.length;
  }

  commitTo(index: number): boolean {
    const bounded = Math.min(index, this.lastIndex());
    if (bounded > this.committed) {
      this.committed = bounded;
      return true;
    }
    return false;
  }

  /**
   * Where to probe next after a rejection: the largest index at or below `index` whose term is at
   * most `term`, so whole terms the two logs disagree on are skipped in one round trip.
   */
  findConflictByTerm(index: number, term: number): number {
    let at = Math.min(index, this.lastIndex());
    while (at > this.snapshotIndex) {
      const t = this.term(at) as number;
      if (t <= term) break;
      at -= 1;
    }
    return at;
  }

  /** Replaces the whole log with a snapshot's position. */
  restore(snapshot: Snapshot): void {
    this.snapshotIndex = snapshot.metadata.index;
    this.snapshotTerm = snapshot.metadata.term;
    this.entries = [];
    this.committed = snapshot.metadata.index;
    this.unstableFrom = snapshot.metadata.index + 1;
  }

  /** Drops the entries a snapshot at `index` covers. */
  compact(index: number, term: number): void {
    if (index <= this.snapshotIndex) return;
    const drop = Math.min(this.entries.length, index - this.snapshotIndex);
    this.entries.splice(0, drop);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
    if (this.unstableFrom < index + 1) this.unstableFrom = index + 1;
  }
}
