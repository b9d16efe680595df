import { freePort } from './free-port';
import { lostPortRace, type ServerProcess, spawnServer } from './server-process';
import { ensureBinary } from './system-binary';

export interface NatsServer extends ServerProcess {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The port other servers of its cluster route to, when it is in one. */
  readonly clusterPort: number | undefined;
  readonly name: string;
}

export interface StartNatsOptions {
  /** Enable JetStream with its store in the server's own folder. Default false. */
  jetstream?: boolean;
  name?: string;
  /** Join a cluster: its name, this server's route port and the other servers' route URLs. */
  cluster?: { name: string; port: number; routes: string[] };
  /** Client port; default a free one. */
  port?: number;
  /** Keep the data folder of an earlier run of this server (restart after a kill). */
  dir?: string;
  /** Extra command-line flags. */
  args?: string[];
}

const NATS = { command: 'nats-server', debianPackage: 'nats-server' };

/**
 * Starts Debian's nats-server on 127.0.0.1 (installing it when missing and allowed) and resolves
 * once it accepts clients. Stop it with `stop()`; crash it with `kill()`.
 */
export async function startNats(options: StartNatsOptions = {}): Promise<NatsServer> {
  const binary = await ensureBinary(NATS);
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    const name = options.name ?? `varplane-nats-${port}`;
    try {
      const server = await spawnServer({
        label: 'nats-server',
        command: binary,
        ...(options.dir === undefined ? {} : { dir: options.dir }),
        args: (dir) => [
          '--addr',
          '127.0.0.1',
          '--port',
          String(port),
          '--server_name',
          name,
          ...(options.jetstream ? ['--jetstream', '--store_dir', `${dir}/jetstream`] : []),
          ...(options.cluster
            ? [
                '--cluster_name',
                options.cluster.name,
                '--cluster',
                `nats://127.0.0.1:${options.cluster.port}`,
                ...(options.cluster.routes.length > 0
                  ? ['--routes', options.cluster.routes.join(',')]
                  : []),
              ]
            : []),
          ...(options.args ?? []),
        ],
        ready: async (server) => server.output().includes('Server is ready'),
      });
      return {
        ...server,
        url: `nats://127.0.0.1:${port}`,
        port,
        clusterPort: options.cluster?.port,
        name,
      };
    } catch (error) {
      if (attempt < 3 && options.port === undefined && lostPortRace(error)) continue;
      throw error;
    }
  }
}

export interface NatsCluster {
  readonly servers: NatsServer[];
  /** Every server's client URL, for a client that should fail over between them. */
  readonly urls: string[];
  stop(): Promise<void>;
}

/** Starts `size` nats-servers routed into one cluster (JetStream on by default). */
export async function startNatsCluster(
  options: { size?: number; jetstream?: boolean; name?: string } = {},
): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const clusterName = options.name ?? `varplane-${process.pid}`;
  const routePorts = await Promise.all(Array.from({ length: size }, () => freePort()));
  const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`);
  const servers = await Promise.all(
    routePorts.map((port, index) =>
      startNats({
        jetstream: options.jetstream ?? true,
        name: `${clusterName}-n${index + 1}`,
        cluster: { name: clusterName, port, routes: routes.filter((_, other) => other !== index) },
      }),
    ),
  );
  return {
    servers,
    urls: servers.map((server) => server.url),
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}
