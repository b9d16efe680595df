/**
 * The control plane port: what a cluster agrees on through consensus, whichever backend keeps it
 * (the embedded Raft over NATS, or etcd). Placement, membership and checkpoints live here and
 * nowhere else; every change is committed before anyone acts on it, and each committed change has
 * an epoch (the Raft log index, or the etcd revision) that only ever increases. The epoch of an
 * agent's placement is its fencing token: a node runs an agent only under the placement it was
 * given, and a move or a restart elsewhere always carries a larger epoch.
 */
import type { AgentSnapshot } from '@varplane/runtime';

/** OTP restart types, applied when an agent's node is declared down. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** What is asked for when placing an agent. */
export interface PlacementSpec {
  readonly node: string;
  /** The behaviour's name: the node that restarts the agent must serve it. */
  readonly behaviour: string;
  /** `temporary` agents are not restarted when their node is declared down. Default `permanent`. */
  readonly restart?: RestartType;
  /** What `init` gets when the agent is started without a checkpoint. */
  readonly args?: unknown;
}

/** Where an agent runs, as committed. */
export interface Placement {
  readonly node: string;
  /** The epoch of the change that put it there: its fencing token. */
  readonly epoch: number;
  readonly behaviour: string;
  readonly restart: RestartType;
  readonly args?: unknown;
}

/** A node of the cluster as committed. */
export interface Member {
  readonly node: string;
  /** `down` only by a committed change, so only a majority can declare it. */
  readonly status: 'up' | 'down';
  /** The epoch of its last join. */
  readonly joined: number;
  /** The epoch of its last renewal (its join counts as one). */
  readonly renewed: number;
}

/** An agent's last stored state, taken under placement `epoch`, with an empty mailbox. */
export interface Checkpoint {
  readonly epoch: number;
  readonly snapshot: AgentSnapshot;
}

/** A committed change, as every node applies it, in one order. */
export type ControlChange =
  | {
      readonly type: 'placed';
      readonly epoch: number;
      readonly agent: string;
      readonly placement: Placement;
      readonly previous: Placement | undefined;
    }
  | {
      readonly type: 'unplaced';
      readonly epoch: number;
      readonly agent: string;
      readonly previous: Placement;
    }
  | { readonly type: 'joined'; readonly epoch: number; readonly node: string }
  | { readonly type: 'renewed'; readonly epoch: number; readonly node: string }
  | { readonly type: 'down'; readonly epoch: number; readonly node: string }
  | {
      readonly type: 'checkpointed';
      readonly epoch: number;
      readonly agent: string;
      readonly checkpoint: Checkpoint;
    };

/** The committed state as this node has applied it; lookups are cheap (maps), for every send. */
export interface ControlView {
  /** The epoch of the last change applied here. */
  readonly epoch: number;
  placement(agent: string): Placement | undefined;
  placements(): ReadonlyMap<string, Placement>;
  member(node: string): Member | undefined;
  members(): ReadonlyMap<string, Member>;
  checkpoint(agent: string): Checkpoint | undefined;
}

export interface ControlRequestOptions {
  /** Default: the backend's (5,000 ms for the Raft one). */
  readonly timeoutMs?: number;
}

/**
 * A cluster's consensus backend. Writes are conditional (compare-and-set on an epoch), so a stale
 * node or an old leader cannot overwrite a newer decision. A write that rejects with
 * `CLUSTER_CONTROL_UNAVAILABLE` may still commit later: learn its outcome from `sync` and `view`.
 */
export interface ControlPlane {
  /** This node's name. */
  readonly node: string;
  /** `raft` or `etcd`. */
  readonly backend: string;
  view(): ControlView;
  /**
   * Places `agent` if its placement's epoch is still `expectEpoch` (0: not placed yet). Resolves
   * with the committed placement; rejects with `CLUSTER_PLACEMENT_CONFLICT` when it moved meanwhile.
   */
  place(
    agent: string,
    spec: PlacementSpec,
    expectEpoch: number,
    options?: ControlRequestOptions,
  ): Promise<Placement>;
  /** Removes a placement that still has `expectEpoch`; resolves with the change's epoch. */
  unplace(agent: string, expectEpoch: number, options?: ControlRequestOptions): Promise<number>;
  /**
   * Stores an agent's state, taken while it ran under placement `placementEpoch`; refused with
   * `CLUSTER_PLACEMENT_CONFLICT` when the agent has moved since.
   */
  checkpoint(
    agent: string,
    placementEpoch: number,
    snapshot: AgentSnapshot,
    options?: ControlRequestOptions,
  ): Promise<number>;
  /** Marks this node up (again, after it was declared down); resolves with the epoch. */
  join(options?: ControlRequestOptions): Promise<number>;
  /**
   * Renews this node's membership; rejects with `CLUSTER_MEMBERSHIP_LOST` once it was declared
   * down (it must stop its agents and join again).
   */
  renew(options?: ControlRequestOptions): Promise<number>;
  /**
   * Declares `node` down if it has not renewed since epoch `renewed`: the only way a node goes
   * down, and it needs a majority. Rejects with `CLUSTER_PLACEMENT_CONFLICT` if it renewed since.
   */
  declareDown(node: string, renewed: number, options?: ControlRequestOptions): Promise<number>;
  /** Resolves once this node has applied everything committed before the call (a linearizable read). */
  sync(options?: ControlRequestOptions): Promise<number>;
  /** The node that takes the cluster's decisions (failover) now, as far as this node knows. */
  leader(): string | undefined;
  /** Calls `listener` with each change applied here, in order, from now on; returns unwatch. */
  watch(listener: (change: ControlChange) => void): () => void;
  close(): Promise<void>;
}
