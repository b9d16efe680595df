import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy between one client and its server, for partitions: `forward` passes bytes,
 * `blackhole` keeps the connections open and drops every byte (a silent partition, which only
 * missing pings reveal), and new connections made meanwhile hang the same way.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  mode(next: 'forward' | 'blackhole'): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let current: 'forward' | 'blackhole' = 'forward';
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (chunk) => {
      if (current === 'forward') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (current === 'forward') client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    mode(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
