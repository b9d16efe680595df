import type { Snapshot } from '../messages';

/**
 * `probe`: the leader does not know where the follower's log matches; it sends one append and
 * waits. `replicate`: it knows, and streams appends up to the in-flight limits. `snapshot`: the
 * follower needs entries the leader compacted away, and is being sent a snapshot in chunks.
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The leader's view of one follower (or of itself). */
export interface Progress {
  match: number;
  next: number;
  state: ProgressState;
  /** In probe state: an append was sent and no answer came yet. */
  probeSent: boolean;
  /** Heard from since the last check-quorum round. */
  recentActive: boolean;
  learner: boolean;
  /** In flight, oldest first: the last index of each append sent and its bytes. */
  inflightIndexes: number[];
  inflightBytes: number[];
  inflightTotalBytes: number;
  /** In snapshot state: the snapshot being sent and how many of its bytes the follower holds. */
  snapshot: Snapshot | null;
  snapshotOffset: number;
  /** `match` at the previous heartbeat answer: unchanged twice with appends in flight means lost. */
  matchAtHeartbeat: number;
}

export function createProgress(next: number, learner: boolean): Progress {
  return {
    match: 0,
    next,
    state: 'probe',
    probeSent: false,
    recentActive: false,
    learner,
    inflightIndexes: [],
    inflightBytes: [],
    inflightTotalBytes: 0,
    snapshot: null,
    snapshotOffset: 0,
    matchAtHeartbeat: -1,
  };
}

function resetInflights(pr: Progress): void {
  pr.inflightIndexes.length = 0;
  pr.inflightBytes.length = 0;
  pr.inflightTotalBytes = 0;
}

export function becomeProbe(pr: Progress): void {
  // Coming back from a snapshot, the follower holds at least the snapshot's index.
  const from = pr.state === 'snapshot' && pr.snapshot !== null ? pr.snapshot.metadata.index : 0;
  pr.state = 'probe';
  pr.probeSent = false;
  pr.snapshot = null;
  pr.snapshotOffset = 0;
  pr.next = Math.max(pr.match + 1, from + 1);
  resetInflights(pr);
}

export function becomeReplicate(pr: Progress): void {
  pr.state = 'replicate';
  pr.probeSent = false;
  pr.snapshot = null;
  pr.snapshotOffset = 0;
  pr.next = pr.match + 1;
  resetInflights(pr);
}

export function becomeSnapshot(pr: Progress, snapshot: Snapshot): void {
  pr.state = 'snapshot';
  pr.probeSent = false;
  pr.snapshot = snapshot;
  pr.snapshotOffset = 0;
  resetInflights(pr);
}

/** Records an acknowledgement up to `index`; true when it told the leader something new. */
export function updateMatch(pr: Progress, index: number): boolean {
  let updated = false;
  if (pr.match < index) {
    pr.match = index;
    updated = true;
    pr.probeSent = false;
  }
  pr.next = Math.max(pr.next, index + 1);
  freeInflightsTo(pr, index);
  return updated;
}

/** Frees the in-flight appends whose last index is at or below `index`. */
export function freeInflightsTo(pr: Progress, index: number): void {
  let count = 0;
  while (count < pr.inflightIndexes.length && (pr.inflightIndexes[count] as number) <= index) {
    pr.inflightTotalBytes -= pr.inflightBytes[count] as number;
    count += 1;
  }
  if (count > 0) {
    pr.inflightIndexes.splice(0, count);
    pr.inflightBytes.splice(0, count);
  }
}

/**
 * Handles a rejected append: moves `next` back to where the follower may match. Returns false for
 * a stale rejection (one about an index the leader already moved past).
 */
export function decreaseTo(pr: Progress, rejected: number, matchHint: number): boolean {
  if (pr.state === 'replicate') {
    if (rejected <= pr.match) return false;
    pr.next = pr.match + 1;
    return true;
  }
  if (pr.next - 1 !== rejected) return false;
  pr.next = Math.max(Math.min(rejected, matchHint + 1), pr.match + 1, 1);
  pr.probeSent = false;
  return true;
}

/** True when the leader should not send this follower another append now. */
export function isPaused(pr: Progress, maxInflightMsgs: number, maxInflightBytes: number): boolean {
  if (pr.state === 'probe') return pr.probeSent;
  if (pr.state === 'snapshot') return true;
  return (
    pr.inflightIndexes.length >= maxInflightMsgs ||
    (maxInflightBytes > 0 && pr.inflightTotalBytes >= maxInflightBytes)
  );
}

/** Records an append just sent, whose last entry is `last`, of `bytes` bytes. */
export function sentEntries(pr: Progress, count: number, last: number, bytes: number): void {
  if (pr.state === 'replicate') {
    if (count > 0) {
      pr.next = last + 1;
      pr.inflightIndexes.push(last);
      pr.inflightBytes.push(bytes);
      pr.inflightTotalBytes += bytes;
    }
  } else if (pr.state === 'probe') {
    pr.probeSent = true;
  }
}
