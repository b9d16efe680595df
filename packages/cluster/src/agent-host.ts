/**
 * The agents this node runs because the control plane placed them here. It follows the committed
 * changes in order: an agent placed here starts (from its last checkpoint when it had run
 * elsewhere), one adopted by a move starts handling mail only once the move is committed, and one
 * placed elsewhere behind this node's back (it was declared down) stops. It checkpoints its agents
 * through the control plane, and it fences them (holds their mail, runs nothing) while this node
 * cannot prove it is still a member.
 */
import type { AgentRef, Clock } from '@varplane/core';
import type { ActorSystem, AgentSnapshot, AnyBehaviour } from '@varplane/runtime';
import type { Subject } from 'rxjs';
import type { ControlChange, ControlPlane, Placement, RestartType } from './control-plane';
import { ClusterError } from './errors';
import type { Hosting } from './internal/hosting';
import type { ManagedAdopt, NodeTransport } from './nats-remote-transport';

/** What a cluster node reports about the agents it hosts and about itself. */
export type ClusterEvent =
  | {
      readonly type: 'agent-hosted';
      readonly at: number;
      readonly agent: string;
      readonly epoch: number;
      /** `placed` new, `moved-in` by a committed move, `restarted` after its node went down. */
      readonly how: 'placed' | 'moved-in' | 'restarted';
    }
  | {
      readonly type: 'agent-unhosted';
      readonly at: number;
      readonly agent: string;
      readonly epoch: number;
      readonly why: 'moved-out' | 'replaced' | 'unplaced' | 'node-down' | 'unservable';
    }
  | { readonly type: 'node-fenced'; readonly at: number; readonly node: string }
  | { readonly type: 'node-unfenced'; readonly at: number; readonly node: string }
  | {
      readonly type: 'node-declared-down';
      readonly at: number;
      readonly node: string;
      readonly epoch: number;
    }
  | {
      readonly type: 'agent-replaced';
      readonly at: number;
      readonly agent: string;
      readonly from: string;
      readonly to: string;
      readonly epoch: number;
    };

export interface AgentHostOptions {
  readonly node: string;
  readonly system: ActorSystem;
  readonly control: ControlPlane;
  readonly transport: NodeTransport;
  readonly hosting: Hosting;
  readonly behaviours: ReadonlyMap<string, AnyBehaviour>;
  readonly clock: Clock;
  readonly events: Subject<ClusterEvent>;
  /** Checkpoint agents that handled mail since the last one this often; 0 never. */
  readonly checkpointMs: number;
}

export class AgentHost {
  /**
   * A node starts fenced: until it has joined and read the committed state, the placements it
   * applies (a log replayed from disk after a restart among them) may be long superseded, and
   * starting those agents would run them twice.
   */
  private fenced = true;
  private proven = false;
  private readonly queue: ControlChange[] = [];
  private draining = false;
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly checkpointed = new Map<string, number>();
  private checkpointTimer: ReturnType<Clock['setTimeout']> | undefined;
  private readonly unwatch: () => void;
  private stopped = false;

  constructor(private readonly o: AgentHostOptions) {
    this.unwatch = o.control.watch((change) => {
      this.queue.push(change);
      if (!this.draining) {
        this.draining = true;
        queueMicrotask(() => this.drain());
      }
    });
    o.transport.onAdopt = (request) => this.adopt(request);
    o.transport.onAbort = (agent, expect) => this.abortHeld(agent, expect);
    o.transport.onCommitted = (agent, epoch) => this.committed(agent, epoch);
    if (o.checkpointMs > 0) this.scheduleCheckpoints();
  }

  get isFenced(): boolean {
    return this.fenced;
  }

  /** Managed agents running here, with their placement epochs. */
  running(): Array<{ agent: string; epoch: number }> {
    const list: Array<{ agent: string; epoch: number }> = [];
    for (const [agent, state] of this.o.hosting.entries()) {
      if (state.kind === 'running') list.push({ agent, epoch: state.epoch });
    }
    return list;
  }

  /** Runs `work` for `agent` after any earlier work for it (a checkpoint, a move) has finished. */
  exclusive<T>(agent: string, work: () => Promise<T>): Promise<T> {
    const before = this.locks.get(agent) ?? Promise.resolve();
    const next = before.then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(agent, tail);
    void tail.then(() => {
      if (this.locks.get(agent) === tail) this.locks.delete(agent);
    });
    return next;
  }

  /** Places a new agent on `node`; it starts there once the placement is committed. */
  async place(
    behaviour: AnyBehaviour,
    agent: string,
    node: string,
    restart: RestartType,
    args: unknown,
  ): Promise<AgentRef> {
    if (this.o.behaviours.get(behaviour.name) !== behaviour) {
      throw new ClusterError({
        code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
        message: `placeAgent: behaviour "${behaviour.name}" is not among this node's behaviours; every node that may run it must serve it`,
      });
    }
    const current = this.o.control.view().placement(agent);
    if (current !== undefined) {
      throw new ClusterError({
        code: 'CLUSTER_PLACEMENT_CONFLICT',
        message: `placeAgent: "${agent}" is already placed on "${current.node}" (epoch ${current.epoch})`,
      });
    }
    const placed = await this.o.control.place(
      agent,
      { node, behaviour: behaviour.name, restart, ...(args === undefined ? {} : { args }) },
      0,
    );
    return { id: agent, node: placed.node };
  }

  /** Holds every agent here (mail queues, nothing runs) while membership is unproven. */
  async fence(): Promise<void> {
    if (this.fenced) return;
    this.fenced = true;
    this.emit({ type: 'node-fenced', at: this.o.clock.now(), node: this.o.node });
    await Promise.all(
      this.running().map(({ agent }) => this.o.system.suspend(agent).catch(() => undefined)),
    );
  }

  /** Membership proven again without having been declared down: agents go on where they were. */
  unfence(): void {
    if (!this.fenced) return;
    this.fenced = false;
    const first = !this.proven;
    this.proven = true;
    for (const { agent } of this.running()) {
      try {
        this.o.system.resume(agent);
      } catch {
        // It ended meanwhile; its supervisor's rules apply.
      }
    }
    if (!first) this.emit({ type: 'node-unfenced', at: this.o.clock.now(), node: this.o.node });
  }

  /** Starts agents placed here that do not run (after a restart of this node, or a fence). */
  startOrphans(): void {
    if (this.fenced || this.stopped) return;
    for (const [agent, placement] of this.o.control.view().placements()) {
      if (placement.node === this.o.node && this.o.hosting.get(agent) === undefined) {
        try {
          this.start(agent, placement, 'restarted');
        } catch {
          // Reported by the start itself when it can; the others still start.
        }
      }
    }
    this.o.transport.flushParked();
  }

  /** This node was declared down: its agents run elsewhere now, so none may run here. */
  dropAll(): void {
    for (const [agent, state] of [...this.o.hosting.entries()]) {
      if (state.kind === 'moving') continue;
      this.unhost(agent, state.kind === 'running' ? state.epoch : state.expect, 'node-down');
    }
  }

  close(): void {
    this.stopped = true;
    this.unwatch();
    if (this.checkpointTimer !== undefined) this.o.clock.clearTimeout(this.checkpointTimer);
    this.o.transport.onAdopt = undefined;
    this.o.transport.onAbort = undefined;
    this.o.transport.onCommitted = undefined;
  }

  /** The target side of a move: adopt, hold until the move commits. */
  private adopt(
    request: ManagedAdopt,
  ): { ok: true; value: unknown } | { ok: false; code: string; message: string } {
    const snapshot = request?.snapshot as AgentSnapshot | undefined;
    const behaviour = this.o.behaviours.get(String(snapshot?.behaviour));
    if (snapshot === undefined || behaviour === undefined) {
      return {
        ok: false,
        code: 'CLUSTER_UNKNOWN_BEHAVIOUR',
        message: `node "${this.o.node}" cannot run behaviour ${JSON.stringify(snapshot?.behaviour)}`,
      };
    }
    if (this.fenced || this.stopped) {
      return {
        ok: false,
        code: 'CLUSTER_AGENT_FENCED',
        message: `node "${this.o.node}" is fenced (its membership is unproven) and takes no agents`,
      };
    }
    const id = snapshot.ref.id;
    const existing = this.o.hosting.get(id);
    if (existing?.kind === 'held') this.unhost(id, existing.expect, 'replaced');
    else if (existing !== undefined) {
      return {
        ok: false,
        code: 'AGENT_ALREADY_EXISTS',
        message: `node "${this.o.node}" already hosts "${id}"`,
      };
    }
    try {
      this.o.system.adopt(snapshot, { behaviour });
      // Held at once, before its first turn: it may run only under a committed placement.
      void this.o.system.suspend(id).catch(() => undefined);
    } catch (failure) {
      const error = failure as { code?: string; message?: string };
      return {
        ok: false,
        code: typeof error?.code === 'string' ? error.code : 'CLUSTER_MIGRATION_FAILED',
        message: String(error?.message ?? failure),
      };
    }
    this.o.hosting.set(id, { kind: 'held', expect: request.expect });
    this.o.transport.sequences.import(id, request.sequences ?? { next: {}, waiting: [] });
    return { ok: true, value: { id, node: this.o.node } };
  }

  /**
   * A move to this node committed (its log says so, or the source, which applied the commit,
   * said so first): the held agent runs.
   */
  committed(agent: string, epoch: number): void {
    const state = this.o.hosting.get(agent);
    if (state?.kind !== 'held' || epoch <= state.expect) return;
    this.o.hosting.set(agent, { kind: 'running', epoch });
    if (!this.fenced) this.o.system.resume(agent);
    this.emit({ type: 'agent-hosted', at: this.o.clock.now(), agent, epoch, how: 'moved-in' });
    this.o.transport.flushParked();
  }

  /** Drops the held copy of a move that did not commit. */
  abortHeld(agent: string, expect: number): void {
    const state = this.o.hosting.get(agent);
    if (state?.kind === 'held' && state.expect === expect) this.unhost(agent, expect, 'replaced');
  }

  private drain(): void {
    this.draining = false;
    const changes = this.queue.splice(0);
    for (const change of changes) {
      try {
        this.follow(change);
      } catch {
        // One agent that cannot start does not stop the others from following the log.
      }
    }
    this.o.transport.flushParked();
  }

  private follow(change: ControlChange): void {
    const me = this.o.node;
    if (change.type === 'down') {
      this.emit({
        type: 'node-declared-down',
        at: this.o.clock.now(),
        node: change.node,
        epoch: change.epoch,
      });
      if (change.node === me) this.dropAll();
      return;
    }
    if (change.type === 'unplaced') {
      const state = this.o.hosting.get(change.agent);
      if (state !== undefined && state.kind !== 'moving')
        this.unhost(change.agent, change.previous.epoch, 'unplaced');
      return;
    }
    if (change.type !== 'placed') return;
    const { agent, placement } = change;
    const state = this.o.hosting.get(agent);
    if (change.previous !== undefined && change.previous.node !== placement.node) {
      this.emit({
        type: 'agent-replaced',
        at: this.o.clock.now(),
        agent,
        from: change.previous.node,
        to: placement.node,
        epoch: placement.epoch,
      });
    }
    if (placement.node === me) this.o.transport.announce(agent, placement);
    if (placement.node !== me) {
      // A move of ours that committed (or was overtaken by a failover) ends here, once.
      if (state?.kind === 'moving') {
        if (placement.epoch > state.epoch) this.finishMove(agent, placement);
      } else if (state?.kind === 'running') this.unhost(agent, state.epoch, 'replaced');
      else if (state?.kind === 'held') this.unhost(agent, state.expect, 'replaced');
      return;
    }
    if (state?.kind === 'held') {
      this.o.hosting.set(agent, { kind: 'running', epoch: placement.epoch });
      if (!this.fenced) this.o.system.resume(agent);
      this.emit({
        type: 'agent-hosted',
        at: this.o.clock.now(),
        agent,
        epoch: placement.epoch,
        how: 'moved-in',
      });
      return;
    }
    if (state?.kind === 'running') {
      this.o.hosting.set(agent, { kind: 'running', epoch: placement.epoch });
      return;
    }
    if (state?.kind === 'moving' || this.fenced || this.stopped) return;
    this.start(agent, placement, change.previous === undefined ? 'placed' : 'restarted');
  }

  /** Starts an agent placed here: from its checkpoint if it has one, else from `init`. */
  private start(agent: string, placement: Placement, how: 'placed' | 'restarted'): void {
    const behaviour = this.o.behaviours.get(placement.behaviour);
    if (behaviour === undefined) {
      this.emit({
        type: 'agent-unhosted',
        at: this.o.clock.now(),
        agent,
        epoch: placement.epoch,
        why: 'unservable',
      });
      return;
    }
    const checkpoint = this.o.control.view().checkpoint(agent);
    if (this.o.system.info(agent) !== undefined) {
      // A leftover of an earlier incarnation here (fenced, then placed back): it must not run twice.
      void this.o.system.stop(agent, { timeout: 'brutal' }).catch(() => undefined);
      this.o.transport.sequences.forget(agent);
    }
    if (checkpoint !== undefined) {
      this.o.system.adopt(
        { ...checkpoint.snapshot, mailbox: [] },
        { behaviour, args: placement.args },
      );
    } else {
      this.o.system.spawn(behaviour, placement.args, { id: agent });
    }
    this.o.hosting.set(agent, { kind: 'running', epoch: placement.epoch });
    this.checkpointed.delete(agent);
    this.emit({ type: 'agent-hosted', at: this.o.clock.now(), agent, epoch: placement.epoch, how });
  }

  /** Stops an agent here for good (it runs elsewhere, or nowhere). */
  unhost(agent: string, epoch: number, why: 'replaced' | 'unplaced' | 'node-down'): void {
    this.o.hosting.delete(agent);
    this.o.transport.sequences.forget(agent);
    this.checkpointed.delete(agent);
    if (this.o.system.info(agent) !== undefined) {
      void this.o.system.stop(agent, { timeout: 'brutal' }).catch(() => undefined);
    }
    this.emit({ type: 'agent-unhosted', at: this.o.clock.now(), agent, epoch, why });
  }

  /** A move committed: this node forwards what it held and forgets the agent. */
  finishMove(agent: string, placement: { node: string; epoch: number }): boolean {
    const state = this.o.hosting.get(agent);
    if (state?.kind !== 'moving') return false;
    this.o.hosting.delete(agent);
    this.o.transport.forward(placement.node, state.casts);
    this.o.transport.answerMoved(state.calls, placement);
    this.o.system.release(agent, { id: agent, node: placement.node });
    this.checkpointed.delete(agent);
    this.emit({
      type: 'agent-unhosted',
      at: this.o.clock.now(),
      agent,
      epoch: state.epoch,
      why: 'moved-out',
    });
    return true;
  }

  private scheduleCheckpoints(): void {
    this.checkpointTimer = this.o.clock.setTimeout(() => {
      void this.checkpointAll().finally(() => {
        if (!this.stopped) this.scheduleCheckpoints();
      });
    }, this.o.checkpointMs);
  }

  private async checkpointAll(): Promise<void> {
    if (this.fenced || this.stopped) return;
    for (const { agent } of this.running()) {
      const handled = this.o.system.info(agent)?.messagesHandled;
      if (handled === undefined || this.checkpointed.get(agent) === handled) continue;
      // Only the export holds the agent (and a move of it); the write to the log does not.
      const taken = await this.exclusive(agent, async () => this.takeCheckpoint(agent)).catch(
        () => undefined,
      );
      if (taken === undefined) continue;
      await this.o.control
        .checkpoint(agent, taken.epoch, taken.snapshot)
        .then(() => this.checkpointed.set(agent, taken.handled))
        .catch(() => undefined);
    }
  }

  /** The agent's state between two messages, with an empty mailbox. */
  private async takeCheckpoint(
    agent: string,
  ): Promise<{ epoch: number; handled: number; snapshot: AgentSnapshot } | undefined> {
    const state = this.o.hosting.get(agent);
    if (state?.kind !== 'running' || this.fenced) return undefined;
    const handled = this.o.system.info(agent)?.messagesHandled ?? 0;
    await this.o.system.suspend(agent);
    let snapshot: AgentSnapshot;
    try {
      snapshot = this.o.system.export(agent);
    } finally {
      const now = this.o.hosting.get(agent);
      if (!this.fenced && now?.kind === 'running') this.o.system.resume(agent);
    }
    return { epoch: state.epoch, handled, snapshot: { ...snapshot, mailbox: [] } };
  }

  private emit(event: ClusterEvent): void {
    this.o.events.next(event);
  }
}
