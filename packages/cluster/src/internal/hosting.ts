import type { Msg } from '@nats-io/transport-node';

/** A send as it travels between nodes. */
export interface CastEnvelope {
  /** Target agent id. */
  to: string;
  message: unknown;
  /** The placement epoch the sender knew (0: none), so a stale sender is told where it went. */
  epoch?: number;
  /** The sending node's stream (`node~incarnation`) and the message's number in it. */
  stream?: string;
  seq?: number;
  /** Times it was forwarded; a bound against loops between stale views. */
  hops?: number;
}

/**
 * What this node does with mail for a managed agent: `running` here under `epoch`; `held` (adopted
 * by a move that is not committed yet: mail queues, nothing runs); `moving` (leaving: mail waits
 * here, raw, until the move commits or fails).
 */
export type HostState =
  | { kind: 'running'; epoch: number }
  | { kind: 'held'; expect: number }
  | { kind: 'moving'; epoch: number; casts: CastEnvelope[]; calls: Msg[] };

/** Managed agents of this node, by id. Agents spawned outside placement have no entry. */
export class Hosting {
  private readonly agents = new Map<string, HostState>();

  get(agent: string): HostState | undefined {
    return this.agents.get(agent);
  }
  set(agent: string, state: HostState): void {
    this.agents.set(agent, state);
  }
  delete(agent: string): void {
    this.agents.delete(agent);
  }
  entries(): IterableIterator<[string, HostState]> {
    return this.agents.entries();
  }
  get size(): number {
    return this.agents.size;
  }
}
