/**
 * One Raft node as a real process, for the real-process tests and the durable benchmark: file
 * storage, the TCP transport, and a key-value state machine, with an HTTP API for clients on
 * 127.0.0.1. `process-cluster.ts` bundles it and runs `node raft-server.mjs '<json>'`.
 *
 * - `POST /put` `{ key, value }`: proposes; 200 `{ index }` once committed and applied here.
 * - `GET /get?key=k`: a ReadIndex read, then the local value; 200 `{ value }`.
 * - `GET /status`: role, leader, term, commit, applied, snapshots installed and taken.
 * - `GET /applied`: every value put, in log order (for checking that nothing acknowledged is lost).
 * Failures answer 503 `{ code, message }`. It prints `{"ready":true}` once serving.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRandom, systemClock } from '@varplane/core';
import { RaftError } from '../../src/errors';
import { createFileStorage } from '../../src/file-storage';
import { startRaftNode } from '../../src/raft-node';
import { startTcpTransport } from '../../src/tcp-transport';

export interface RaftServerConfig {
  readonly id: string;
  readonly dir: string;
  /** Every node: its Raft port and its HTTP port. */
  readonly nodes: Readonly<
    Record<string, { readonly raftPort: number; readonly httpPort: number }>
  >;
  readonly tickMs: number;
  readonly electionTicks: number;
  readonly snapshotEvery: number;
  readonly onCorruption: 'refuse' | 'truncate';
}

const config = JSON.parse(process.argv[2] as string) as RaftServerConfig;
const host = '127.0.0.1';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const values = new Map<string, string>();
let applied: string[] = [];
let snapshotsInstalled = 0;
let snapshotsTaken = 0;

const storage = createFileStorage({ dir: config.dir, onCorruption: config.onCorruption });
const peers = Object.fromEntries(
  Object.entries(config.nodes).map(([id, ports]) => [id, { host, port: ports.raftPort }]),
);
const self = config.nodes[config.id] as { raftPort: number; httpPort: number };

try {
  const transport = await startTcpTransport({
    id: config.id,
    listen: { host, port: self.raftPort },
    peers,
  });
  const node = await startRaftNode({
    id: config.id,
    peers: Object.keys(config.nodes),
    storage,
    transport,
    clock: systemClock,
    random: createRandom(process.pid),
    tickMs: config.tickMs,
    raft: { electionTicks: config.electionTicks },
    snapshotEvery: config.snapshotEvery,
    stateMachine: {
      apply(entry) {
        const { key, value } = JSON.parse(decoder.decode(entry.data)) as {
          key: string;
          value: string;
        };
        values.set(key, value);
        applied.push(value);
      },
      snapshot: () => encoder.encode(JSON.stringify({ values: [...values], applied })),
      restore(data) {
        const state = JSON.parse(decoder.decode(data)) as {
          values: [string, string][];
          applied: string[];
        };
        values.clear();
        for (const [key, value] of state.values) values.set(key, value);
        applied = state.applied;
      },
    },
  });
  node.events$.subscribe((event) => {
    if (event.type === 'snapshot-installed') snapshotsInstalled += 1;
    if (event.type === 'snapshot-taken') snapshotsTaken += 1;
  });

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const code = RaftError.isInstance(error) ? error.code : 'INTERNAL';
      reply(response, 503, {
        code,
        message: error instanceof Error ? error.message : String(error),
      });
    });
  });
  server.keepAliveTimeout = 60_000;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://${host}`);
    if (request.method === 'POST' && url.pathname === '/put') {
      const body = JSON.parse(await readBody(request)) as { key: string; value: string };
      const result = await node.propose(encoder.encode(JSON.stringify(body)), { timeoutMs: 2000 });
      reply(response, 200, { index: result.index });
    } else if (url.pathname === '/get') {
      await node.read({ timeoutMs: 2000 });
      reply(response, 200, { value: values.get(url.searchParams.get('key') ?? '') ?? null });
    } else if (url.pathname === '/status') {
      const status = node.status();
      reply(response, 200, {
        id: config.id,
        role: status.role,
        leader: status.leader,
        term: status.term,
        applied: applied.length,
        snapshotsInstalled,
        snapshotsTaken,
      });
    } else if (url.pathname === '/applied') {
      reply(response, 200, { applied });
    } else reply(response, 404, { code: 'NOT_FOUND', message: url.pathname });
  };

  await new Promise<void>((resolve) => server.listen(self.httpPort, host, resolve));
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
} catch (error) {
  const code = RaftError.isInstance(error) ? error.code : 'INTERNAL';
  process.stdout.write(`${JSON.stringify({ failed: code, message: String(error) })}\n`);
  process.exit(3);
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
