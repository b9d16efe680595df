import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * Connects to NATS with the settings a cluster node needs, unlike the client's defaults: it
 * never stops reconnecting (the default gives up after about 20 s), and it pings every 500 ms so
 * a silent partition is noticed in about 1.5 s (the default 2-minute ping misses it).
 */
export function connectNats(
  servers: string | readonly string[],
  name?: string,
): Promise<NatsConnection> {
  return connect({
    servers: typeof servers === 'string' ? servers : [...servers],
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 500,
    maxPingOut: 3,
    waitOnFirstConnect: true,
    ...(name === undefined ? {} : { name }),
  });
}
