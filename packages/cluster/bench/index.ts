/**
 * Remote send throughput and call round trip between two processes over a real nats-server,
 * against the raw NATS client doing the same work (same JSON payloads, same counting, same
 * request/reply) in the same run, alternated over rounds.
 */
import { spawn } from 'node:child_process';
import { compare, type Row, report } from '@varplane/bench-kit';
import { startNats } from '@varplane/test-servers';
import { startClusterNode } from '../src/cluster-node';

const BURST = 5_000;
const payload = { type: 'work' as const, body: 'x'.repeat(64) };
const loader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const script = new URL('./sink-process.ts', import.meta.url).pathname;

const nats = await startNats();
const child = spawn(
  process.execPath,
  ['--conditions=@varplane/source', '--import', loader, script, nats.url],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
await new Promise<void>((resolve, reject) => {
  child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
  child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
});
const client = await startClusterNode({ cluster: 'bench', node: 'client', servers: nats.url });
const sink = { id: 'sink', node: 'sink' };
const nc = client.connection;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let sent = 0;
let rawSent = 0;
const rows: Row[] = [];
try {
  const sendBurst = await compare(
    {
      name: 'varplane remote send',
      opsPerCall: BURST,
      deadlineMs: 30_000,
      fn: async () => {
        for (let i = 0; i < BURST; i++) client.system.send(sink, payload);
        sent += BURST;
        // The count call travels after the burst on the same connection, so it sees all of it.
        const count = await client.system.call<number>(
          sink,
          { type: 'count' },
          { timeout: 20_000 },
        );
        if (count !== sent) throw new Error(`sink counted ${count} of ${sent}`);
      },
    },
    {
      name: 'raw NATS publish',
      opsPerCall: BURST,
      deadlineMs: 30_000,
      fn: async () => {
        for (let i = 0; i < BURST; i++)
          nc.publish('bench.raw.cast', encoder.encode(JSON.stringify(payload)));
        rawSent += BURST;
        const reply = await nc.request('bench.raw.call', JSON.stringify({ type: 'count' }), {
          timeout: 20_000,
        });
        const count = JSON.parse(decoder.decode(reply.data)) as number;
        if (count !== rawSent) throw new Error(`raw sink counted ${count} of ${rawSent}`);
      },
    },
  );
  rows.push({
    case: `remote send, bursts of ${BURST} (64 B body)`,
    ...sendBurst,
    goal: 'throughput >= 0.5x raw publish (ratio <= 2x)',
    met: sendBurst.ratio.median <= 2,
  });

  const ping = { type: 'ping' as const, body: 'x'.repeat(64) };
  const call = await compare(
    {
      name: 'varplane remote call',
      deadlineMs: 10_000,
      fn: async () => {
        const length = await client.system.call<number>(sink, ping, { timeout: 5_000 });
        if (length !== 64) throw new Error(`wrong reply ${length}`);
      },
    },
    {
      name: 'raw NATS request',
      deadlineMs: 10_000,
      fn: async () => {
        const reply = await nc.request('bench.raw.call', JSON.stringify(ping), { timeout: 5_000 });
        const body = JSON.parse(decoder.decode(reply.data)) as { ok: boolean; value: number };
        if (body.value !== 64) throw new Error(`wrong raw reply ${body.value}`);
      },
    },
  );
  rows.push({
    case: 'remote call round trip',
    ...call,
    goal: '<= 1.5x raw request',
    met: call.ratio.median <= 1.5,
  });
  report('cluster (2 processes, 1 nats-server, loopback)', rows);
} finally {
  child.kill('SIGKILL');
  await client.stop();
  await nats.stop();
}
