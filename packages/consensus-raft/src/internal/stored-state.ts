import { RaftError } from '../errors';
import type { Entry, HardState, Snapshot } from '../messages';
import { EMPTY_HARD_STATE, type RaftStorageState, type RaftWrite } from '../storage';

/** A mutable copy of what a storage holds, with the rules of {@link RaftWrite} applied to it. */
export class StoredState {
  hardState: HardState;
  snapshot: Snapshot | null;
  entries: Entry[];

  constructor(initial?: RaftStorageState) {
    this.hardState = initial?.hardState ?? EMPTY_HARD_STATE;
    this.snapshot = initial?.snapshot ?? null;
    this.entries = [...(initial?.entries ?? [])];
  }

  firstIndex(): number {
    return (this.snapshot?.metadata.index ?? 0) + 1;
  }

  /** Applies one write; throws `RAFT_STORAGE_INVALID_WRITE` for a gap or a non-contiguous run. */
  write(write: RaftWrite): void {
    if (write.snapshot !== null) {
      this.snapshot = write.snapshot;
      this.entries = [];
    }
    if (write.entries.length > 0) {
      const first = write.entries[0] as Entry;
      const lastIndex = this.firstIndex() + this.entries.length - 1;
      if (first.index < this.firstIndex() || first.index > lastIndex + 1) {
        throw invalidWrite(
          `entries start at ${first.index}, outside the stored log [${this.firstIndex()}, ${lastIndex + 1}]`,
        );
      }
      for (let offset = 1; offset < write.entries.length; offset++) {
        const index = (write.entries[offset] as Entry).index;
        if (index !== first.index + offset) {
          throw invalidWrite(`entries[${offset}].index is ${index}, not contiguous`);
        }
      }
      this.entries.length = first.index - this.firstIndex();
      for (const entry of write.entries) this.entries.push(entry);
    }
    if (write.hardState !== null) this.hardState = write.hardState;
  }

  /** Records a snapshot and drops the entries it covers. */
  compact(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    if (index < this.firstIndex() - 1) return;
    const drop = Math.min(this.entries.length, index - this.firstIndex() + 1);
    this.entries = this.entries.slice(drop);
    this.snapshot = snapshot;
  }

  copy(): RaftStorageState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }
}

function invalidWrite(message: string): RaftError {
  return new RaftError({
    code: 'RAFT_STORAGE_INVALID_WRITE',
    message: `storage write: ${message}`,
  });
}
