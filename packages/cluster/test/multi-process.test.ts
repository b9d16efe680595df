import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VarplaneError } from '@varplane/core';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterNode, startClusterNode } from '../src/cluster-node';
import { eventually } from './eventually';

// tsx's loader inside the node process itself: its CLI would run the script in a child process,
// and a SIGKILL to the CLI would leave that child running.
const tsxLoader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const script = fileURLToPath(new URL('./node-process.ts', import.meta.url));
const nodes = ['n1', 'n2', 'n3'];

/** Starts one node process and resolves once it printed `ready`. */
function startNodeProcess(config: object): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@varplane/source', '--import', tsxLoader, script, JSON.stringify(config)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node process not ready:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node process exited (${code}):\n${output}`));
    });
  });
}

describe('three node processes on a three-server NATS cluster', () => {
  let nats: NatsCluster;
  const children = new Map<string, ChildProcess>();
  let client: ClusterNode;
  const admin = (node: string) => ({ id: `admin-${node}`, node });
  const counter = (node: string) => ({ id: `counter-${node}`, node });

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3, jetstream: false });
    await Promise.all(
      nodes.map(async (node, i) => {
        const child = await startNodeProcess({
          cluster: 'mp',
          node,
          servers: [nats.urls[i]],
          peers: nodes,
        });
        children.set(node, child);
      }),
    );
    // The test process is a member too, without a vote: it only sends and calls.
    client = await startClusterNode({ cluster: 'mp', node: 'client', servers: nats.urls });
    await eventually(
      () => Promise.all(nodes.map((node) => client.system.call(admin(node), { type: 'role' }))),
      (roles) => roles.filter((role) => role === 'leader').length === 1,
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    for (const child of children.values()) child.kill('SIGKILL');
    await client?.stop();
    await nats?.stop();
  });

  it('sends from another process arrive, all of them, at an agent with an async handler', async () => {
    for (let i = 0; i < 2_000; i++) client.system.send(counter('n2'), { type: 'add', n: 1 });
    const total = await eventually(
      () => client.system.call<number>(counter('n2'), { type: 'get' }),
      (value) => value === 2_000,
      20_000,
    );
    expect(total).toBe(2_000);
  }, 60_000);

  it('a cluster-scope variable set through any node is seen by every node in the same order', async () => {
    const values = ['star', 'mesh', 'ring', 'star'];
    for (const [i, value] of values.entries()) {
      const node = nodes[i % 3] as string;
      await expect(
        client.system.call(admin(node), { type: 'set', value }, { timeout: 10_000 }),
      ).resolves.toBe(value);
    }
    const seen = await Promise.all(
      nodes.map((node) =>
        eventually(
          () => client.system.call<string[]>(admin(node), { type: 'seen' }),
          (list) => list.at(-1) === 'star' && list.length >= values.length,
          10_000,
        ),
      ),
    );
    // Each node saw the changes in the order they were committed (it may have joined after 'ring').
    expect(seen[0]?.slice(-values.length)).toEqual(values);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  }, 60_000);

  it('kill -9 of a node: its call in flight rejects typed, later calls are refused, the majority goes on', async () => {
    const inFlight = client.system
      .call(counter('n3'), { type: 'hang' }, { timeout: 1_500 })
      .catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 200));
    children.get('n3')?.kill('SIGKILL');
    const failure = await inFlight;
    expect(VarplaneError.isInstance(failure, 'CALL_TIMEOUT')).toBe(true);
    const refused = await eventually(
      () =>
        client.system
          .call(counter('n3'), { type: 'get' }, { timeout: 1_000 })
          .catch((error: unknown) => error),
      (error) => VarplaneError.isInstance(error, 'CLUSTER_NODE_UNREACHABLE'),
      10_000,
    );
    expect(VarplaneError.isInstance(refused, 'CLUSTER_NODE_UNREACHABLE')).toBe(true);
    // n1 and n2 are a majority of three: the log keeps accepting changes.
    const after = await eventually(
      () => client.system.call(admin('n1'), { type: 'set', value: 'mesh' }, { timeout: 10_000 }),
      (value) => value === 'mesh',
      20_000,
    );
    expect(after).toBe('mesh');
  }, 60_000);
});
