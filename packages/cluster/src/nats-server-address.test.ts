import { VarplaneError } from '@varplane/core';
import { type NatsServer, startNats } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClusterNode } from './cluster-node';
import { connectNats } from './nats-connection';
import { isNatsServerAddress } from './nats-server-address';

const refused = [
  '__proto__',
  'nats://',
  'nats://h:99999',
  'http://x:1',
  'tls://x:1',
  'h:0',
  'h',
  ' h:1',
  'a_b:1',
  '[zz]:1',
];
const accepted = [
  'nats://127.0.0.1:4222',
  '127.0.0.1:4222',
  'localhost:4222',
  'nats://[::1]:65535',
  'n-1.example.org:1',
];

describe('NATS server addresses', () => {
  it('accepts nats://host:port and host:port with a host name or IP literal and a port from 1 to 65535', () => {
    expect(accepted.filter(isNatsServerAddress)).toEqual(accepted);
    expect(refused.filter(isNatsServerAddress)).toEqual([]);
  });

  it('connectNats and startClusterNode refuse each bad address at once, naming the field and the value', async () => {
    for (const server of refused) {
      const started = Date.now();
      const error = await connectNats(server).catch((e: unknown) => e);
      expect(VarplaneError.isInstance(error, 'CLUSTER_INVALID_ARGUMENT'), server).toBe(true);
      expect((error as Error).message).toContain('connectNats: servers');
      expect((error as Error).message).toContain(JSON.stringify(server));
      // Refused before any connection: far from the 5 s first-connect timeout, even on a loaded machine.
      expect(Date.now() - started).toBeLessThan(1_000);
    }
    const list = await connectNats(['nats://127.0.0.1:4222', 'nats://']).catch((e: unknown) => e);
    expect(VarplaneError.isInstance(list, 'CLUSTER_INVALID_ARGUMENT')).toBe(true);
    expect((list as Error).message).toMatch(/servers: 1: .*"nats:\/\/"/);
    const node = await startClusterNode({ cluster: 'c', node: 'n1', servers: '__proto__' }).catch(
      (e: unknown) => e,
    );
    expect(VarplaneError.isInstance(node, 'CLUSTER_INVALID_ARGUMENT')).toBe(true);
    expect((node as Error).message).toMatch(/servers: .*"__proto__"/);
  });

  describe('against a real server', () => {
    let nats: NatsServer | undefined;
    beforeAll(async () => {
      nats = await startNats();
    });
    afterAll(async () => {
      await nats?.stop();
    });

    it('connects with the bare host:port form as with the nats:// form', async () => {
      const bare = (nats?.url ?? '').replace('nats://', '');
      expect(bare).toMatch(/^127\.0\.0\.1:\d+$/);
      for (const server of [bare, nats?.url ?? '']) {
        const connection = await connectNats(server, 'address-test');
        expect(connection.getServer()).toBe(bare);
        await connection.close();
      }
    });
  });
});
