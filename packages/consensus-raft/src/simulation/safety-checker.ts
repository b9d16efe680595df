import type { Entry, NodeId } from '../messages';
import type { SimCluster } from './sim-cluster';
import { untext } from './sim-cluster';

const keyOf = (entry: Entry) => `${entry.term}|${entry.type}|${untext(entry.data)}`;

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

      for (let i = 0; i < log.entries.length; i++) {
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
          if (committed === undefined) this.committed.set(entry.index, key);
          else if (committed !== key) {
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
      const log = (node.core as unknown as { log: LogView }).log;
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
