import type { NatsConnection } from '@nats-io/transport-node';
import type { MigrateHandler } from '@varplane/runtime';
import { z } from 'zod';
import { parseArgument } from './internal/parse';
import { migrateAgent } from './migrate-agent';

const optionsSchema = z.object({
  connection: z.custom<NatsConnection>(
    (v) =>
      typeof v === 'object' && v !== null && typeof (v as NatsConnection).request === 'function',
    { message: 'expected a NATS connection' },
  ),
  cluster: z.string().min(1),
  node: z.string().min(1),
  timeoutMs: z.number().int().min(1).max(600_000).optional(),
});

/**
 * Carries out a running space's `migrate` directives on the cluster: give it to
 * `startSpace(space, { node, transport, migrate })`. Each directive `migrate <agent> { node }`
 * moves the agent with `migrateAgent` (its state and mail travel, later mail is forwarded, and a
 * target that refuses leaves it running here), so the directive succeeds once it runs on the
 * target and fails, as any directive fails, when it could not move.
 *
 * @example
 * const transport = createNatsRemoteTransport({ connection, cluster: 'team', node: 'n1' });
 * const team = await startSpace(space, {
 *   behaviours, node: 'n1', transport,
 *   migrate: clusterMigrateHandler({ connection, cluster: 'team', node: 'n1' }),
 * });
 * transport.serve(team.system, { behaviours: Object.values(behaviours) });
 */
export function clusterMigrateHandler(options: {
  connection: NatsConnection;
  cluster: string;
  node: string;
  timeoutMs?: number;
}): MigrateHandler {
  const { connection, cluster, node, timeoutMs } = parseArgument(
    optionsSchema,
    options,
    'clusterMigrateHandler',
  );
  return async (request) => {
    await migrateAgent(
      { cluster, node, connection, system: request.system },
      request.agent,
      request.node,
      timeoutMs === undefined ? {} : { timeoutMs },
    );
  };
}
