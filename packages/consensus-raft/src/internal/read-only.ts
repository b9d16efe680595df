import type { NodeId } from '../messages';

/** A ReadIndex request waiting for a quorum of heartbeat acknowledgements. */
export interface PendingRead {
  readonly context: string;
  /** Who asked: the leader itself or a follower that forwarded the read. */
  readonly from: NodeId;
  /** The leader's commit index when the read arrived. */
  readonly index: number;
  readonly acks: Set<NodeId>;
}

/**
 * The leader's queue of ReadIndex requests. A read is safe to serve at its index once a quorum
 * acknowledged a heartbeat sent after the read arrived; that acknowledgement also confirms every
 * read queued before it.
 */
export class ReadOnlyQueue {
  private readonly byContext = new Map<string, PendingRead>();
  private queue: PendingRead[] = [];

  add(context: string, from: NodeId, index: number, self: NodeId): boolean {
    if (this.byContext.has(context)) return false;
    const read: PendingRead = { context, from, index, acks: new Set([self]) };
    this.byContext.set(context, read);
    this.queue.push(read);
    return true;
  }

  /** Records an acknowledgement; returns the read's acks, or undefined for an unknown read. */
  ack(context: string, from: NodeId): Set<NodeId> | undefined {
    const read = this.byContext.get(context);
    if (read === undefined) return undefined;
    read.acks.add(from);
    return read.acks;
  }

  /** Removes and returns every read up to and including `context`, oldest first. */
  release(context: string): PendingRead[] {
    const at = this.queue.findIndex((read) => read.context === context);
    if (at < 0) return [];
    const released = this.queue.splice(0, at + 1);
    for (const read of released) this.byContext.delete(read.context);
    return released;
  }

  /** The context of the newest pending read, carried by heartbeats; empty when none. */
  lastContext(): string {
    return this.queue[this.queue.length - 1]?.context ?? '';
  }

  clear(): PendingRead[] {
    const all = this.queue;
    this.queue = [];
    this.byContext.clear();
    return all;
  }
}
