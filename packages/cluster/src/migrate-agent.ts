import type { NatsConnection } from '@nats-io/transport-node';
import { type AgentRef, VarplaneError } from '@varplane/core';
import type { ActorSystem } from '@varplane/runtime';
import { z } from 'zod';
import { ClusterError } from './errors';
import { type Managed, managedOf } from './internal/managed';
import { parseArgument } from './internal/parse';
import { adoptSubject } from './subjects';

/** What `migrateAgent` needs of the node an agent leaves (a `ClusterNode` has all of it). */
export interface MigrationSource {
  readonly cluster: string;
  readonly node: string;
  readonly system: ActorSystem;
  readonly connection: NatsConnection;
}

const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function');
const argumentsSchema = z.object({
  source: z.object({
    cluster: z.string().min(1),
    node: z.string().min(1),
    system: z.object({ suspend: fn, export: fn, resume: fn, release: fn }).passthrough(),
    connection: z.object({ request: fn }).passthrough(),
  }),
  agent: z.union([z.string().min(1), z.object({ id: z.string().min(1), node: z.string() })]),
  target: z.string().min(1),
  timeoutMs: z.number().int().min(1).max(600_000),
});

const text = new TextEncoder();
const read = new TextDecoder();

/**
 * Moves an agent of this node to `target` and resolves with its new ref. The agent finishes the
 * message in hand, its state and mail travel to the target (which must serve its behaviour), it
 * starts there with that mail first, and the original forwards what arrives later, in order: no
 * message is lost or handled twice while both nodes live. Calls in the moved mail are answered to
 * their callers from the target. If the target refuses or does not answer within `timeoutMs`, the
 * agent resumes here and the promise rejects with `CLUSTER_MIGRATION_FAILED` (or the target's code).
 *
 * @example
 * const moved = await migrateAgent(member, { id: 'coder', node: 'n1' }, 'n2');
 * moved; // { id: 'coder', node: 'n2' }
 */
export async function migrateAgent(
  source: MigrationSource,
  agent: AgentRef | string,
  target: string,
  options: { timeoutMs?: number } = {},
): Promise<AgentRef> {
  const input = parseArgument(
    argumentsSchema,
    { source, agent, target, timeoutMs: options?.timeoutMs ?? 5_000 },
    'migrateAgent',
  );
  const id = typeof input.agent === 'string' ? input.agent : input.agent.id;
  const timeoutMs = input.timeoutMs;
  const managed = managedOf(source.system);
  if (managed?.control.view().placement(id) !== undefined) {
    return managed.host.exclusive(id, () => movePlaced(source, managed, id, target, timeoutMs));
  }
  if (target === source.node) return { id, node: source.node };
  await source.system.suspend(id);
  let reply: { ok: boolean; value?: AgentRef; code?: string; message?: string };
  try {
    const snapshot = source.system.export(id);
    const response = await source.connection.request(
      adoptSubject(source.cluster, target),
      text.encode(JSON.stringify(snapshot)),
      { timeout: timeoutMs },
    );
    reply = JSON.parse(read.decode(response.data));
  } catch (cause) {
    source.system.resume(id);
    throw new ClusterError({
      code: 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${id}" could not move from "${source.node}" to "${target}"; it runs on "${source.node}" again`,
      cause,
    });
  }
  if (!reply?.ok || typeof reply.value?.id !== 'string') {
    source.system.resume(id);
    throw new VarplaneError({
      code: typeof reply?.code === 'string' ? reply.code : 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${target}" refused "${id}": ${reply?.message ?? 'no reason given'}`,
    });
  }
  const moved = { id: reply.value.id, node: target };
  source.system.release(id, moved);
  return moved;
}

/**
 * Moves a placed agent: hold its mail here, suspend and export it, have the target adopt it held,
 * commit the new placement (compare-and-set on the old epoch), then forward what was held. The
 * commit is the point of no return: before it the agent resumes here, after it it runs there.
 */
async function movePlaced(
  source: MigrationSource,
  managed: Managed,
  id: string,
  target: string,
  timeoutMs: number,
): Promise<AgentRef> {
  const { control, host, transport, hosting } = managed;
  let placement = control.view().placement(id);
  const state = hosting.get(id);
  if (state?.kind === 'running' && (placement?.epoch ?? 0) < state.epoch) {
    // It runs here under a newer epoch than this node has applied: it just moved in, told by its
    // source before this node's log caught up. Read the committed state before deciding.
    await control.sync({ timeoutMs });
    placement = control.view().placement(id);
  }
  if (placement === undefined || placement.node !== source.node || state?.kind !== 'running') {
    throw new ClusterError({
      code: 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${id}" does not run on "${source.node}" (placed on ${JSON.stringify(placement?.node)})`,
    });
  }
  if (target === source.node) return { id, node: source.node };
  if (control.view().member(target)?.status !== 'up') {
    throw new ClusterError({
      code: 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${target}" is not a live member; "${id}" stays on "${source.node}"`,
    });
  }
  const epoch = placement.epoch;
  const moving = { kind: 'moving' as const, epoch, casts: [], calls: [] };
  hosting.set(id, moving);
  const stayHere = () => {
    hosting.set(id, { kind: 'running', epoch });
    try {
      source.system.resume(id);
    } catch {
      // It ended meanwhile: its supervisor's rules apply.
    }
    transport.redeliver(moving.casts, moving.calls);
  };
  let snapshot: ReturnType<ActorSystem['export']>;
  try {
    await source.system.suspend(id);
    snapshot = source.system.export(id);
  } catch (cause) {
    stayHere();
    throw cause;
  }
  const sequences = transport.sequences.export(id);
  const restoreSequences = () => transport.sequences.import(id, sequences);
  let reply: { ok: boolean; value?: AgentRef; code?: string; message?: string };
  try {
    const response = await source.connection.request(
      adoptSubject(source.cluster, target),
      text.encode(JSON.stringify({ managed: { snapshot, expect: epoch, sequences } })),
      { timeout: timeoutMs },
    );
    reply = JSON.parse(read.decode(response.data));
  } catch (cause) {
    restoreSequences();
    stayHere();
    abortOn(source, target, id, epoch);
    throw new ClusterError({
      code: 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${id}" could not move from "${source.node}" to "${target}"; it runs on "${source.node}" again`,
      cause,
    });
  }
  if (!reply?.ok) {
    restoreSequences();
    stayHere();
    throw new VarplaneError({
      code: typeof reply?.code === 'string' ? reply.code : 'CLUSTER_MIGRATION_FAILED',
      message: `migrateAgent: "${target}" refused "${id}": ${reply?.message ?? 'no reason given'}`,
    });
  }
  const spec = {
    node: target,
    behaviour: placement.behaviour,
    restart: placement.restart,
    ...(placement.args === undefined ? {} : { args: placement.args }),
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const placed = await control.place(id, spec, epoch, {
        timeoutMs: Math.max(1, deadline - Date.now()),
      });
      tellCommitted(source, target, id, placed.epoch);
      host.finishMove(id, placed);
      return { id, node: target };
    } catch (error) {
      // A retry is safe: the compare-and-set lets at most one of them commit.
      const now = control.view().placement(id);
      if (now !== undefined && now.epoch > epoch) {
        // Decided: by this move, or (when this node was declared down) by a failover elsewhere.
        host.finishMove(id, now);
        if (now.node === target) return { id, node: target };
        throw new ClusterError({
          code: 'CLUSTER_MIGRATION_FAILED',
          message: `migrateAgent: "${id}" was placed on "${now.node}" meanwhile`,
          cause: error,
        });
      }
      if (
        !VarplaneError.isInstance(error, 'CLUSTER_CONTROL_UNAVAILABLE') ||
        Date.now() > deadline
      ) {
        if (VarplaneError.isInstance(error, 'CLUSTER_CONTROL_UNAVAILABLE')) {
          // Undecided: it may still commit. The agent stays held until the log says where it runs.
          throw error;
        }
        restoreSequences();
        stayHere();
        abortOn(source, target, id, epoch);
        throw error;
      }
    }
  }
}

/** Tells the target the move is committed, so it need not wait for its log (best effort). */
function tellCommitted(
  source: MigrationSource,
  target: string,
  agent: string,
  epoch: number,
): void {
  try {
    source.connection.publish(
      adoptSubject(source.cluster, target),
      text.encode(JSON.stringify({ committed: { agent, epoch } })),
    );
  } catch {
    // The target resumes when its log applies the commit.
  }
}

/** Tells the target to drop its held copy of a move that did not commit (best effort). */
function abortOn(source: MigrationSource, target: string, agent: string, expect: number): void {
  try {
    source.connection.publish(
      adoptSubject(source.cluster, target),
      text.encode(JSON.stringify({ abort: { agent, expect } })),
    );
  } catch {
    // The target drops it anyway when the placement it held for moves on.
  }
}
