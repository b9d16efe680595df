import { isIPv6 } from 'node:net';
import { z } from 'zod';

// A DNS name (labels of letters, digits and inner hyphens) or an IPv4 literal, which has the same shape.
const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const address = /^(?:nats:\/\/)?(\[[^\]]*\]|[^:/[\]]+):(\d{1,5})$/;

/**
 * Whether `text` is a NATS server address the Node client can dial: `nats://host:port` or
 * `host:port`, with a host name, an IPv4 literal or a bracketed IPv6 literal, and a port from 1
 * to 65535. The client would strip any scheme (so `http://` or `tls://` would quietly mean a
 * plain connection) and would take any other string as a host name to look up, failing only after
 * its connect timeout; checking first turns both into an immediate typed refusal.
 */
export function isNatsServerAddress(text: string): boolean {
  const match = address.exec(text);
  if (!match) return false;
  const [, host = '', port = ''] = match;
  const number = Number(port);
  if (number < 1 || number > 65_535) return false;
  return host.startsWith('[') ? isIPv6(host.slice(1, -1)) : hostName.test(host);
}

const serverSchema = z
  .string()
  .refine(
    isNatsServerAddress,
    'expected nats://host:port or host:port, with a port from 1 to 65535',
  );

/** One server address or a list of 1 to 64, each checked by `isNatsServerAddress`. */
export const natsServersSchema = z.union([serverSchema, z.array(serverSchema).min(1).max(64)]);
