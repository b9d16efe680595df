import type { NatsConnection } from '@nats-io/transport-node';
import { type AgentRef, VarplaneError } from '@varplane/core';
import type { ActorSystem } from '@varplane/runtime';
import { z } from 'zod';
import { ClusterError } from './errors';
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
