import type { Entry, NodeId } from '../messages';
import type { SimCluster } from './sim-cluster';
import { untext } from './sim-cluster';

const keys = new WeakMap<Entry, string>();
// Cached per entry object: decoding every entry after every step would dominate the run.
const keyOf = (entry: Entry) => {
  let key = keys.get(entry);
  if (key === undefined) {
    key = `${entry.term}|${entry.type}|${untext(entry.data)}`;
    keys.set(entry, key);
  }
  return key;
};

/**
 * Raft's safety properties, checked against a whole simulated cluster after every step:
 * election safety, log matching, leader completeness, state-machine safety and monotonic commit.
 * Each check throws an Error that says what broke, where.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> the entry's key and the previous entry's term: log matching, inductively. */
  private readonly entryAt = new Map<string, { key: string; prevTerm: number | undefined }>();
  /** index -> key of the committed entry there. */
  private readonly committed = new Map<number, string>();
  /** index -> the lowest term in which a node saw it committed: later leaders must hold it. */
  private readonly committedInTerm = new Map<number, number>();
  private readonly appliedAt = new Map<number, string>();
  private readonly lastCommit = new Map<string, number>();
  private readonly lastDurableCommit = new Map<NodeId, number>();
  /** Per node: the last entry checked and the commit index then, so each step checks what is new. */
  private readonly checkedUpTo = new Map<string, { entry: Entry; commit: number }>();
  private committedVersion = 0;
  private readonly leaderCheckedAt = new Map<string, string>();

  applied(node: NodeId, entry: Entry): void {
    const key = keyOf(entry);
    const seen = this.appliedAt.get(entry.index);
    if (seen === undefined) this.appliedAt.set(entry.index, key);
    else if (seen !== key) {
      throw new Error(
        `state-machine safety: ${node} applied ${key} at ${entry.index}, another node applied ${seen}`,
      );
    }
  }

  check(cluster: SimCluster): void {
    for (const node of cluster.nodes.values()) {
      if (!node.alive) continue;
      const status = node.core.status();
      const log = (node.core as unknown as { log: LogView }).log;

      if (status.role === 'leader') {
        const other = this.leaderOfTerm.get(status.term);
        if (other !== undefined && other !== node.id) {
          throw new Error(`election safety: ${other} and ${node.id} both led term ${status.term}`);
        }
        this.leaderOfTerm.set(status.term, node.id);
      }

      const incarnation = `${node.id}#${node.incarnation}`;
      const previous = this.lastCommit.get(incarnation) ?? 0;
      if (status.commit < previous) {
        throw new Error(`monotonic commit: ${node.id} went from ${previous} to ${status.commit}`);
      }
      this.lastCommit.set(incarnation, status.commit);
      const durable = node.stored.hardState.commit;
      const durablePrevious = this.lastDurableCommit.get(node.id) ?? 0;
      if (durable < durablePrevious) {
        throw new Error(
          `monotonic commit: ${node.id}'s durable commit went from ${durablePrevious} to ${durable}`,
        );
      }
      this.lastDurableCommit.set(node.id, durable);

      // Entries up to the last one checked are unchanged when that entry is the same object.
      const mark = this.checkedUpTo.get(incarnation);
      let from = 0;
      if (mark !== undefined) {
        const at = mark.entry.index - log.snapshotIndex - 1;
        if (at >= 0 && log.entries[at] === mark.entry) {
          from = Math.max(0, Math.min(at + 1, mark.commit - log.snapshotIndex));
        }
      }
      const last = log.entries[log.entries.length - 1];
      if (last !== undefined)
        this.checkedUpTo.set(incarnation, { entry: last, commit: status.commit });
      for (let i = from; i < log.entries.length; i++) {
        const entry = log.entries[i] as Entry;
        const prevTerm = i === 0 ? log.snapshotTerm : (log.entries[i - 1] as Entry).term;
        const at = `${entry.index}:${entry.term}`;
        const key = keyOf(entry);
        const seen = this.entryAt.get(at);
        if (seen === undefined) this.entryAt.set(at, { key, prevTerm });
        else if (seen.key !== key || seen.prevTerm !== prevTerm) {
          throw new Error(
            `log matching: ${node.id} holds ${key} (after term ${prevTerm}) at ${at}, another node ${seen.key} (after term ${seen.prevTerm})`,
          );
        }
        if (entry.index <= status.commit) {
          const committed = this.committed.get(entry.index);
          const inTerm = this.committedInTerm.get(entry.index);
          if (inTerm === undefined || status.term < inTerm) {
            this.committedInTerm.set(entry.index, status.term);
          }
          if (committed === undefined) {
            this.committed.set(entry.index, key);
            this.committedVersion += 1;
          } else if (committed !== key) {
            throw new Error(
              `committed entry changed: ${node.id} commits ${key} at ${entry.index}, was ${committed}`,
            );
          }
        }
      }
    }
    // Leader completeness: a leader of a later term than an entry's commitment holds it (or a
    // snapshot past it).
    for (const node of cluster.nodes.values()) {
      if (!node.alive || node.core.status().role !== 'leader') continue;
      const term = node.core.status().term;
      const leaderKey = `${node.id}#${node.incarnation}@${term}`;
      const log = (node.core as unknown as { log: LogView }).log;
      const version = `${this.committedVersion}/${log.snapshotIndex}/${log.entries.length}`;
      if (this.leaderCheckedAt.get(leaderKey) === version) continue;
      this.leaderCheckedAt.set(leaderKey, version);
      for (const [index, key] of this.committed) {
        if (index <= log.snapshotIndex || term <= (this.committedInTerm.get(index) as number))
          continue;
        const entry = log.entries[index - log.snapshotIndex - 1];
        if (entry === undefined || keyOf(entry) !== key) {
          throw new Error(
            `leader completeness: leader ${node.id} (term ${node.core.status().term}) lacks committed ${key} at ${index}`,
          );
        }
      }
    }
  }

  maxCommitted(): number {
    let max = 0;
    for (const index of this.committed.keys()) max = Math.max(max, index);
    return max;
  }

  leadersSeen(): number {
    return this.leaderOfTerm.size;
  }
}

interface LogView {
  snapshotIndex: number;
  snapshotTerm: number;
  entries: Entry[];
}
