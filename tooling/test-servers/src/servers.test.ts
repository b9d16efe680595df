import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startEtcdCluster } from './etcd';
import { freePort } from './free-port';
import { startNats, startNatsCluster } from './nats';
import { ensureBinary, MissingBinaryError } from './system-binary';

/** Reads the first line a NATS server sends a new client (its INFO). */
function natsInfo(port: number): Promise<{ server_name: string; jetstream?: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      const end = data.indexOf('\r\n');
      if (end < 0) return;
      socket.destroy();
      resolve(JSON.parse(data.slice('INFO '.length, end)));
    });
    socket.on('error', reject);
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function readUntilServed(url: string, key: string, withinMs: number): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const response = await fetch(`${url}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: b64(key) }),
    }).catch(() => undefined);
    const body = (await response?.json().catch(() => undefined)) as
      | { kvs?: Array<{ value: string }> }
      | undefined;
    const value = body?.kvs?.[0]?.value;
    if (value !== undefined) return Buffer.from(value, 'base64').toString();
    if (Date.now() > deadline)
      throw new Error(`no answer for ${key} from ${url}: ${JSON.stringify(body)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('test servers', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(cleanups.map((cleanup) => cleanup()));
  });

  it('gives distinct free loopback ports', async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    for (const port of ports) expect(port).toBeGreaterThan(1023);
  });

  it('starts nats-server on a free port and stops it by PID', async () => {
    const server = await startNats({ jetstream: true });
    const info = await natsInfo(server.port);
    expect(info.server_name).toBe(server.name);
    expect(info.jetstream).toBe(true);
    await server.stop();
    expect(() => process.kill(server.pid, 0)).toThrow();
    await expect(natsInfo(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('routes three nats-servers into one cluster', async () => {
    const cluster = await startNatsCluster({ size: 3, jetstream: false });
    cleanups.push(() => cluster.stop());
    expect(cluster.urls).toHaveLength(3);
    const names = await Promise.all(cluster.servers.map((server) => natsInfo(server.port)));
    expect(new Set(names.map((info) => info.server_name)).size).toBe(3);
  });

  it('starts a three-member etcd that replicates a write and survives a member kill', async () => {
    const etcd = await startEtcdCluster({ size: 3 });
    cleanups.push(() => etcd.stop());
    const [first, second, third] = etcd.members;
    if (!first || !second || !third) throw new Error('three members expected');
    const put = await fetch(`${first.clientUrl}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: b64('varplane/k'), value: b64('v1') }),
    });
    expect(put.ok).toBe(true);
    first.kill();
    await first.exited;
    // A read during the election that follows a leader's death is refused; ask until it is served.
    const value = await readUntilServed(third.clientUrl, 'varplane/k', 20_000);
    expect(value).toBe('v1');
    const back = await etcd.restart(first.name);
    expect(back.pid).not.toBe(first.pid);
  });

  it('names the package and the command when a server is missing and cannot be installed', async () => {
    const missing = {
      command: 'varplane-no-such-server',
      debianPackage: 'varplane-no-such-package',
    };
    const error = await ensureBinary(missing, { install: false }).catch((caught) => caught);
    expect(error).toBeInstanceOf(MissingBinaryError);
    expect(error.message).toContain('varplane-no-such-server is not installed');
    expect(error.message).toContain('sudo apt-get install -y varplane-no-such-package');
  });
});
