import type { Entry, RaftNode, RaftStateMachine } from '@varplane/consensus-raft';
import { VarplaneError } from '@varplane/core';
import { z } from 'zod';
import type { ControlChange, ControlPlane, Placement, PlacementSpec } from './control-plane';
import {
  type ControlCommand,
  type ControlOutcome,
  ControlState,
  controlCommandSchema,
} from './control-state';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';

/** The control plane on the embedded Raft: pass `stateMachine` to `startRaftNode`, then `connect`. */
export interface RaftControlPlane extends ControlPlane {
  /** The Raft state machine: control commands here, every other entry to `others`. */
  readonly stateMachine: RaftStateMachine;
  connect(raft: RaftNode): void;
}

export interface RaftControlPlaneOptions {
  /** This node's name (its Raft id). */
  readonly node: string;
  /** Entries that are not control commands (the replicated variables, for one). */
  readonly others?: RaftStateMachine;
  /** How long a write or `sync` waits by default. Default 5,000 ms. */
  readonly timeoutMs?: number;
}

const optionsSchema = z.object({
  node: z.string().min(1),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
});
const specSchema = z.object({
  node: z.string().min(1).max(1_024),
  behaviour: z.string().min(1).max(1_024),
  restart: z.enum(['permanent', 'transient', 'temporary']).optional(),
  args: z.unknown().optional(),
});
const id = z.string().min(1).max(1_024);
const epoch = z.number().int().nonnegative();
const requestSchema = z.object({ timeoutMs: z.number().int().min(1).max(600_000) }).partial();

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Marks a log entry as a control command, so the log can be shared with other state machines. */
const TAG = 'vp-control';

/**
 * The control plane on the embedded Raft. Each write is one log entry, applied on every voter in
 * log order; its epoch is the entry's index. Conditional writes are checked when applied, so the
 * outcome is the same on every replica and an old leader's stale decision is refused.
 *
 * @example
 * const control = createRaftControlPlane({ node: 'n1' });
 * const raft = await startRaftNode({ ...options, stateMachine: control.stateMachine });
 * control.connect(raft);
 * const placed = await control.place('coder', { node: 'n2', behaviour: 'coder' }, 0);
 * placed.epoch; // the log index that committed it
 */
export function createRaftControlPlane(options: RaftControlPlaneOptions): RaftControlPlane {
  const parsed = parseArgument(optionsSchema, options, 'createRaftControlPlane');
  const node = parsed.node;
  const defaultTimeout = parsed.timeoutMs ?? 5_000;
  const others = options.others;
  const state = new ControlState();
  const listeners = new Set<(change: ControlChange) => void>();
  let raft: RaftNode | undefined;
  let closed = false;

  const stateMachine: RaftStateMachine = {
    apply(entry: Entry) {
      const command = decodeCommand(entry.data);
      if (command === undefined) return others?.apply(entry);
      const outcome = state.apply(command, entry.index);
      if (outcome.ok) {
        for (const listener of listeners) {
          try {
            listener(outcome.change);
          } catch {
            // A watcher's failure is its own; the replica's state is already applied.
          }
        }
      }
      return outcome;
    },
    async snapshot() {
      const mine = state.toJSON();
      const theirs = others ? Buffer.from(await others.snapshot()).toString('base64') : null;
      return encoder.encode(JSON.stringify({ control: mine, others: theirs }));
    },
    async restore(data) {
      const value = JSON.parse(decoder.decode(data)) as { control: unknown; others: string | null };
      state.restore(value.control);
      if (others && value.others !== null) {
        await others.restore(new Uint8Array(Buffer.from(value.others, 'base64')));
      }
    },
  };

  const write = async (command: ControlCommand, requestOptions: unknown, what: string) => {
    const { timeoutMs } = parseArgument(requestSchema, requestOptions ?? {}, `${what}: options`);
    if (closed) {
      throw new ClusterError({
        code: 'CLUSTER_TRANSPORT_CLOSED',
        message: `${what}: the control plane of "${node}" is closed`,
      });
    }
    if (raft === undefined) {
      throw new ClusterError({
        code: 'CLUSTER_INVALID_ARGUMENT',
        message: `${what}: connect(raft) first`,
      });
    }
    let applied: { index: number; result: unknown };
    try {
      applied = await raft.propose(encoder.encode(JSON.stringify({ [TAG]: command })), {
        timeoutMs: timeoutMs ?? defaultTimeout,
      });
    } catch (cause) {
      throw unavailable(what, cause);
    }
    const outcome = applied.result as ControlOutcome;
    if (!outcome.ok)
      throw new ClusterError({ code: outcome.code, message: `${what}: ${outcome.message}` });
    return { index: applied.index, change: outcome.change };
  };

  return {
    node,
    backend: 'raft',
    stateMachine,
    connect(next) {
      raft = next;
    },
    view: () => state,
    async place(agent, spec: PlacementSpec, expectEpoch, requestOptions) {
      const a = parseArgument(id, agent, 'place: agent');
      const s = parseArgument(specSchema, spec, 'place: spec');
      const expect = parseArgument(epoch, expectEpoch, 'place: expectEpoch');
      const { change } = await write(
        {
          op: 'place',
          agent: a,
          node: s.node,
          behaviour: s.behaviour,
          restart: s.restart ?? 'permanent',
          ...(s.args === undefined ? {} : { args: s.args }),
          expect,
        },
        requestOptions,
        'place',
      );
      return (change as Extract<ControlChange, { type: 'placed' }>).placement as Placement;
    },
    async unplace(agent, expectEpoch, requestOptions) {
      const a = parseArgument(id, agent, 'unplace: agent');
      const expect = parseArgument(epoch, expectEpoch, 'unplace: expectEpoch');
      return (await write({ op: 'unplace', agent: a, expect }, requestOptions, 'unplace')).index;
    },
    async checkpoint(agent, placementEpoch, snapshot, requestOptions) {
      const a = parseArgument(id, agent, 'checkpoint: agent');
      const at = parseArgument(epoch, placementEpoch, 'checkpoint: placementEpoch');
      if (typeof snapshot !== 'object' || snapshot === null) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `checkpoint: snapshot must be an agent snapshot (got ${typeof snapshot})`,
        });
      }
      const command: ControlCommand = { op: 'checkpoint', agent: a, epoch: at, snapshot };
      return (await write(command, requestOptions, 'checkpoint')).index;
    },
    async join(requestOptions) {
      return (await write({ op: 'join', node }, requestOptions, 'join')).index;
    },
    async renew(requestOptions) {
      return (await write({ op: 'renew', node }, requestOptions, 'renew')).index;
    },
    async declareDown(target, renewed, requestOptions) {
      const n = parseArgument(id, target, 'declareDown: node');
      const r = parseArgument(epoch, renewed, 'declareDown: renewed');
      return (await write({ op: 'down', node: n, renewed: r }, requestOptions, 'declareDown'))
        .index;
    },
    async sync(requestOptions) {
      const { timeoutMs } = parseArgument(requestSchema, requestOptions ?? {}, 'sync: options');
      if (raft === undefined) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: 'sync: connect(raft) first',
        });
      }
      try {
        await raft.read({ timeoutMs: timeoutMs ?? defaultTimeout });
      } catch (cause) {
        throw unavailable('sync', cause);
      }
      return state.epoch;
    },
    leader: () => raft?.status().leader ?? undefined,
    watch(listener) {
      if (typeof listener !== 'function') {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `watch: listener must be a function (got ${typeof listener})`,
        });
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
    },
  };
}

function decodeCommand(data: Uint8Array): ControlCommand | undefined {
  if (data.byteLength === 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, TAG)) return undefined;
  const parsed = controlCommandSchema.safeParse((value as Record<string, unknown>)[TAG]);
  return parsed.success ? (parsed.data as ControlCommand) : undefined;
}

function unavailable(what: string, cause: unknown): ClusterError {
  const code = VarplaneError.isInstance(cause) ? cause.code : 'UNKNOWN';
  return new ClusterError({
    code: 'CLUSTER_CONTROL_UNAVAILABLE',
    message: `${what}: the control plane did not confirm the change (${code}); it may still commit`,
    cause,
  });
}
