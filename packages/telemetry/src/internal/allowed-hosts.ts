import { z } from 'zod';

// A DNS name, an IPv4 address or a bracketed IPv6 address, then an optional port.
const HOST =
  /^(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/;

/**
 * One entry of the dashboard's `allowedHosts`: `host:port` allows that exact `Host` header, a bare
 * `host` that name on any port (`localhost` covers `ssh -L 9000:127.0.0.1:PORT`, whose browser
 * sends `Host: localhost:9000`). No wildcards: a name is the name.
 */
export const allowedHostSchema = z
  .string()
  .transform((value) => value.toLowerCase())
  .refine((value) => {
    const match = HOST.exec(value);
    if (match === null) return false;
    const port = match[1];
    return port === undefined || (Number(port) >= 1 && Number(port) <= 65_535);
  }, 'must be a host name or address with an optional port, such as "localhost:9000"');

/** Whether a request's `Host` header is one the dashboard answers. */
export function hostMatcher(port: () => number, allowed: readonly string[]) {
  const exact = new Set<string>();
  const anyPort = new Set<string>();
  for (const entry of allowed) {
    if (HOST.exec(entry)?.[1] === undefined) anyPort.add(entry);
    else exact.add(entry);
  }
  return (header: string | undefined): boolean => {
    const host = (header ?? '').toLowerCase();
    const own = port();
    if (host === `127.0.0.1:${own}` || host === `localhost:${own}`) return true;
    if (exact.has(host)) return true;
    const match = HOST.exec(host);
    if (match === null) return false;
    const name = match[1] === undefined ? host : host.slice(0, host.length - match[1].length - 1);
    return anyPort.has(name);
  };
}
