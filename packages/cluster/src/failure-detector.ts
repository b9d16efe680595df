/**
 * Membership and failover. Every node renews its membership through the control plane every
 * `heartbeatMs`; one that has not renewed for `leaseMs` fences itself (its agents hold their
 * mail and run nothing), since the majority may be about to give them to others. The leader
 * declares a node down only after `downAfterMs` (longer than the lease) without a renewal, by a
 * committed entry, so a minority never can; then it places the dead node's agents on live nodes
 * under their restart types, where they start from their last checkpoint.
 */
import { type Clock, type TimerHandle, VarplaneError } from '@varplane/core';
import type { AgentHost } from './agent-host';
import type { ControlPlane } from './control-plane';
import { distributeAgents, type PlacementStrategy } from './placement';

export interface FailureDetectorOptions {
  readonly node: string;
  readonly control: ControlPlane;
  readonly host: AgentHost;
  readonly clock: Clock;
  readonly heartbeatMs: number;
  readonly leaseMs: number;
  readonly downAfterMs: number;
  readonly strategy: PlacementStrategy;
}

export class FailureDetector {
  private timer: TimerHandle | undefined;
  private stopped = false;
  private joined = false;
  private lastProven = 0;
  private renewing = false;
  private joining = false;
  private wasLeader = false;
  private readonly seen = new Map<string, { renewed: number; at: number }>();
  private readonly inFlight = new Set<string>();
  private round = 0;

  constructor(private readonly o: FailureDetectorOptions) {}

  start(): void {
    this.lastProven = this.o.clock.now();
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.o.clock.clearTimeout(this.timer);
  }

  private tick(): void {
    if (this.stopped) return;
    try {
      this.step();
    } finally {
      this.timer = this.o.clock.setTimeout(() => this.tick(), this.o.heartbeatMs);
    }
  }

  private step(): void {
    const now = this.o.clock.now();
    const me = this.o.control.view().member(this.o.node);
    if (!this.joined || me === undefined || me.status === 'down') {
      if (me?.status === 'down') this.o.host.dropAll();
      this.join(now);
    } else {
      this.renew(now);
    }
    if (now - this.lastProven > this.o.leaseMs) void this.o.host.fence();
    if (this.o.control.leader() === this.o.node) this.lead(now);
    else this.wasLeader = false;
  }

  private join(sentAt: number): void {
    if (this.joining) return;
    this.joining = true;
    this.o.control
      .join({ timeoutMs: this.o.leaseMs })
      // Everything committed before the join applied here, so the agents started are current.
      .then(() => this.o.control.sync({ timeoutMs: this.o.leaseMs }))
      .then(
        () => {
          this.joined = true;
          this.lastProven = sentAt;
          this.o.host.unfence();
          this.o.host.startOrphans();
        },
        () => undefined,
      )
      .finally(() => {
        this.joining = false;
      });
  }

  private renew(sentAt: number): void {
    if (this.renewing) return;
    this.renewing = true;
    this.o.control
      .renew({ timeoutMs: this.o.leaseMs })
      .then(
        () => {
          // Proven as of when the renewal was sent: the leader counts from when it applied it.
          this.lastProven = sentAt;
          this.o.host.unfence();
        },
        (error: unknown) => {
          if (VarplaneError.isInstance(error, 'CLUSTER_MEMBERSHIP_LOST')) {
            this.o.host.dropAll();
            this.joined = false;
          }
        },
      )
      .finally(() => {
        this.renewing = false;
      });
  }

  /** The leader's part: declare silent nodes down, and re-place the agents of down nodes. */
  private lead(now: number): void {
    const view = this.o.control.view();
    if (!this.wasLeader) {
      // A new leader has seen no renewals yet: everyone gets a full period from now.
      this.wasLeader = true;
      this.seen.clear();
    }
    for (const [node, member] of view.members()) {
      if (node === this.o.node || member.status === 'down') continue;
      const last = this.seen.get(node);
      if (last === undefined || last.renewed !== member.renewed) {
        this.seen.set(node, { renewed: member.renewed, at: now });
      } else if (now - last.at > this.o.downAfterMs) {
        this.once(`down:${node}`, () => this.o.control.declareDown(node, member.renewed));
      }
    }
    const live = [...view.members().values()].filter((member) => member.status === 'up');
    if (live.length === 0) return;
    const load = new Map<string, number>(live.map((member) => [member.node, 0]));
    for (const placement of view.placements().values()) {
      const count = load.get(placement.node);
      if (count !== undefined) load.set(placement.node, count + 1);
    }
    for (const [agent, placement] of view.placements()) {
      if (view.member(placement.node)?.status !== 'down') continue;
      if (placement.restart === 'temporary') {
        this.once(`place:${agent}`, () => this.o.control.unplace(agent, placement.epoch));
        continue;
      }
      const plan = distributeAgents(
        [{ id: agent }],
        live.map((member) => ({ id: member.node, agents: load.get(member.node) ?? 0 })),
        { strategy: this.o.strategy, localNode: this.o.node, random: ++this.round },
      );
      const target = plan.placements[agent];
      if (target === undefined) continue;
      load.set(target, (load.get(target) ?? 0) + 1);
      this.once(`place:${agent}`, () =>
        this.o.control.place(
          agent,
          {
            node: target,
            behaviour: placement.behaviour,
            restart: placement.restart,
            ...(placement.args === undefined ? {} : { args: placement.args }),
          },
          placement.epoch,
        ),
      );
    }
  }

  /** One decision of a kind at a time; a refused one (someone was faster) is simply dropped. */
  private once(key: string, decide: () => Promise<unknown>): void {
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    decide()
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(key));
  }
}
