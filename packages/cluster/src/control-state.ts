/**
 * The control plane's replicated state and the commands that change it, applied in log order at
 * a given epoch. Deterministic: every replica that applies the same commands at the same epochs
 * holds the same state and gives the same answers, refusals included. Backends share it (the Raft
 * one applies its log entries here).
 */
import type { AgentSnapshot } from '@varplane/runtime';
import { z } from 'zod';
import type {
  Checkpoint,
  ControlChange,
  ControlView,
  Member,
  Placement,
  RestartType,
} from './control-plane';

/** A write to the control plane, as it travels through the log. */
export type ControlCommand =
  | {
      op: 'place';
      agent: string;
      node: string;
      behaviour: string;
      restart: RestartType;
      args?: unknown;
      expect: number;
    }
  | { op: 'unplace'; agent: string; expect: number }
  | { op: 'checkpoint'; agent: string; epoch: number; snapshot: AgentSnapshot }
  | { op: 'join'; node: string }
  | { op: 'renew'; node: string }
  | { op: 'down'; node: string; renewed: number };

/** How applying a command went: the committed change, or why the command was refused. */
export type ControlOutcome =
  | { ok: true; change: ControlChange }
  | { ok: false; code: 'CLUSTER_PLACEMENT_CONFLICT' | 'CLUSTER_MEMBERSHIP_LOST'; message: string };

const name = z.string().min(1).max(1_024);
const epoch = z.number().int().nonnegative();
export const controlCommandSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('place'),
    agent: name,
    node: name,
    behaviour: name,
    restart: z.enum(['permanent', 'transient', 'temporary']),
    args: z.unknown().optional(),
    expect: epoch,
  }),
  z.object({ op: z.literal('unplace'), agent: name, expect: epoch }),
  z.object({
    op: z.literal('checkpoint'),
    agent: name,
    epoch,
    snapshot: z.custom<AgentSnapshot>((v) => typeof v === 'object' && v !== null),
  }),
  z.object({ op: z.literal('join'), node: name }),
  z.object({ op: z.literal('renew'), node: name }),
  z.object({ op: z.literal('down'), node: name, renewed: epoch }),
]);

/** The state every replica holds: maps keyed by plain ids (`__proto__` included). */
export class ControlState implements ControlView {
  epoch = 0;
  private readonly placed = new Map<string, Placement>();
  private readonly nodes = new Map<string, Member>();
  private readonly checkpoints = new Map<string, Checkpoint>();

  placement(agent: string): Placement | undefined {
    return this.placed.get(agent);
  }
  placements(): ReadonlyMap<string, Placement> {
    return this.placed;
  }
  member(node: string): Member | undefined {
    return this.nodes.get(node);
  }
  members(): ReadonlyMap<string, Member> {
    return this.nodes;
  }
  checkpoint(agent: string): Checkpoint | undefined {
    return this.checkpoints.get(agent);
  }

  /** Applies `command` committed at `at` (larger than every epoch applied before). */
  apply(command: ControlCommand, at: number): ControlOutcome {
    this.epoch = Math.max(this.epoch, at);
    switch (command.op) {
      case 'place': {
        const previous = this.placed.get(command.agent);
        if ((previous?.epoch ?? 0) !== command.expect) return stale(command.agent, previous);
        const placement: Placement = {
          node: command.node,
          epoch: at,
          behaviour: command.behaviour,
          restart: command.restart,
          ...(command.args === undefined ? {} : { args: command.args }),
        };
        this.placed.set(command.agent, placement);
        return {
          ok: true,
          change: { type: 'placed', epoch: at, agent: command.agent, placement, previous },
        };
      }
      case 'unplace': {
        const previous = this.placed.get(command.agent);
        if (previous === undefined || previous.epoch !== command.expect) {
          return stale(command.agent, previous);
        }
        this.placed.delete(command.agent);
        this.checkpoints.delete(command.agent);
        return {
          ok: true,
          change: { type: 'unplaced', epoch: at, agent: command.agent, previous },
        };
      }
      case 'checkpoint': {
        const current = this.placed.get(command.agent);
        if (current === undefined || current.epoch !== command.epoch) {
          return stale(command.agent, current);
        }
        const checkpoint: Checkpoint = { epoch: command.epoch, snapshot: command.snapshot };
        this.checkpoints.set(command.agent, checkpoint);
        return {
          ok: true,
          change: { type: 'checkpointed', epoch: at, agent: command.agent, checkpoint },
        };
      }
      case 'join': {
        this.nodes.set(command.node, {
          node: command.node,
          status: 'up',
          joined: at,
          renewed: at,
        });
        return { ok: true, change: { type: 'joined', epoch: at, node: command.node } };
      }
      case 'renew': {
        const member = this.nodes.get(command.node);
        if (member === undefined || member.status === 'down') {
          return {
            ok: false,
            code: 'CLUSTER_MEMBERSHIP_LOST',
            message: `node "${command.node}" is ${member === undefined ? 'not a member' : 'declared down'}; it must stop its agents and join again`,
          };
        }
        this.nodes.set(command.node, { ...member, renewed: at });
        return { ok: true, change: { type: 'renewed', epoch: at, node: command.node } };
      }
      case 'down': {
        const member = this.nodes.get(command.node);
        if (
          member === undefined ||
          member.status === 'down' ||
          member.renewed !== command.renewed
        ) {
          return {
            ok: false,
            code: 'CLUSTER_PLACEMENT_CONFLICT',
            message: `node "${command.node}" was not declared down: it ${member === undefined ? 'is not a member' : member.status === 'down' ? 'is already down' : `renewed at epoch ${member.renewed}, after ${command.renewed}`}`,
          };
        }
        this.nodes.set(command.node, { ...member, status: 'down' });
        return { ok: true, change: { type: 'down', epoch: at, node: command.node } };
      }
    }
  }

  /** The whole state as JSON, for the backend's snapshots. */
  toJSON(): unknown {
    return {
      epoch: this.epoch,
      placed: [...this.placed],
      nodes: [...this.nodes],
      checkpoints: [...this.checkpoints],
    };
  }

  /** Replaces the whole state with one `toJSON` gave. */
  restore(data: unknown): void {
    const value = data as {
      epoch: number;
      placed: Array<[string, Placement]>;
      nodes: Array<[string, Member]>;
      checkpoints: Array<[string, Checkpoint]>;
    };
    this.epoch = value.epoch;
    this.placed.clear();
    this.nodes.clear();
    this.checkpoints.clear();
    for (const [key, placement] of value.placed) this.placed.set(key, placement);
    for (const [key, member] of value.nodes) this.nodes.set(key, member);
    for (const [key, checkpoint] of value.checkpoints) this.checkpoints.set(key, checkpoint);
  }
}

function stale(agent: string, current: Placement | undefined): ControlOutcome {
  return {
    ok: false,
    code: 'CLUSTER_PLACEMENT_CONFLICT',
    message: `agent "${agent}" is ${current === undefined ? 'not placed' : `placed on "${current.node}" at epoch ${current.epoch}`}`,
  };
}
