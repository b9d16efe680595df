import { connect, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';
import { natsServersSchema } from './nats-server-address';

/**
 * Connects to NATS with the settings a cluster node needs, unlike the client's defaults: once
 * connected it never stops reconnecting (the default gives up after about 20 s), and it pings
 * every 500 ms so a silent partition is noticed in about 1.5 s (the default 2-minute ping misses
 * it). The first connection must succeed within `timeoutMs` (default 5,000), or it rejects with
 * `CLUSTER_NODE_UNREACHABLE` naming the servers. Servers are tried in the order given (the first
 * is the node's own), never shuffled. Each server is `nats://host:port` or `host:port`; anything
 * else is refused with `CLUSTER_INVALID_ARGUMENT` before any connection or DNS lookup.
 */
export async function connectNats(
  servers: string | readonly string[],
  name?: string,
  options: { timeoutMs?: number } = {},
): Promise<NatsConnection> {
  const list = parseArgument(natsServersSchema, servers, 'connectNats: servers');
  const label =
    name === undefined ? undefined : parseArgument(z.string().min(1), name, 'connectNats: name');
  const timeout = parseArgument(
    z.number().int().min(1).max(600_000),
    options?.timeoutMs ?? 5_000,
    'connectNats: timeoutMs',
  );
  try {
    return await connect({
      servers: typeof list === 'string' ? list : [...list],
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // The first server is this node's own; the others are where it fails over to.
      noRandomize: true,
      pingInterval: 500,
      maxPingOut: 3,
      timeout,
      ...(label === undefined ? {} : { name: label }),
    });
  } catch (cause) {
    throw new ClusterError({
      code: 'CLUSTER_NODE_UNREACHABLE',
      message: `connectNats: no NATS server answered at ${JSON.stringify(list)}: ${String((cause as Error)?.message ?? cause)}`,
      cause,
    });
  }
}
