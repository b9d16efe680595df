import { freePort } from './free-port';
import { type ServerProcess, spawnServer } from './server-process';
import { ensureBinary } from './system-binary';

export interface EtcdMember extends ServerProcess {
  readonly name: string;
  /** `http://127.0.0.1:<port>`, for clients. */
  readonly clientUrl: string;
  readonly peerUrl: string;
}

export interface EtcdCluster {
  readonly members: EtcdMember[];
  /** Every member's client URL. */
  readonly endpoints: string[];
  /** Starts a killed or stopped member again on its ports, with its data. */
  restart(name: string): Promise<EtcdMember>;
  stop(): Promise<void>;
}

const ETCD = { command: 'etcd', debianPackage: 'etcd-server' };

interface MemberPlan {
  name: string;
  clientPort: number;
  peerPort: number;
}

/**
 * Starts a cluster of Debian's etcd (3.4) on 127.0.0.1 with free ports, installing `etcd-server`
 * when missing and allowed, and resolves once every member reports healthy.
 */
export async function startEtcdCluster(
  options: { size?: number; electionTimeoutMs?: number; heartbeatMs?: number } = {},
): Promise<EtcdCluster> {
  const binary = await ensureBinary(ETCD);
  const size = options.size ?? 3;
  const plans: MemberPlan[] = [];
  for (let i = 0; i < size; i++) {
    plans.push({ name: `m${i + 1}`, clientPort: await freePort(), peerPort: await freePort() });
  }
  const initialCluster = plans
    .map((plan) => `${plan.name}=http://127.0.0.1:${plan.peerPort}`)
    .join(',');
  const token = `varplane-${process.pid}-${plans[0]?.clientPort}`;
  const start = (plan: MemberPlan, dir?: string): Promise<EtcdMember> =>
    spawnServer({
      label: `etcd-${plan.name}`,
      command: binary,
      timeoutMs: 30_000,
      ...(dir === undefined ? {} : { dir }),
      args: (folder) => [
        '--name',
        plan.name,
        '--data-dir',
        `${folder}/data`,
        '--listen-client-urls',
        `http://127.0.0.1:${plan.clientPort}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${plan.clientPort}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${plan.peerPort}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${plan.peerPort}`,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        token,
        '--heartbeat-interval',
        String(options.heartbeatMs ?? 100),
        '--election-timeout',
        String(options.electionTimeoutMs ?? 1000),
        '--log-level',
        'warn',
      ],
      // A member alone cannot be healthy before its peers are up, so readiness is "listening".
      ready: async () => {
        const response = await fetch(`http://127.0.0.1:${plan.clientPort}/version`);
        return response.ok;
      },
    }).then((server) => ({
      ...server,
      name: plan.name,
      clientUrl: `http://127.0.0.1:${plan.clientPort}`,
      peerUrl: `http://127.0.0.1:${plan.peerPort}`,
    }));
  const members = await Promise.all(plans.map((plan) => start(plan)));
  await waitHealthy(
    members.map((member) => member.clientUrl),
    30_000,
  );
  return {
    members,
    endpoints: members.map((member) => member.clientUrl),
    restart: async (name) => {
      const index = members.findIndex((member) => member.name === name);
      const plan = plans[index];
      const old = members[index];
      if (!plan || !old) throw new Error(`no etcd member named ${name}`);
      old.kill();
      await old.exited;
      const member = await start(plan, old.dir);
      members[index] = member;
      return member;
    },
    stop: async () => {
      await Promise.all(members.map((member) => member.stop()));
    },
  };
}

/** Starts a single-member etcd. */
export async function startEtcd(): Promise<EtcdMember> {
  const cluster = await startEtcdCluster({ size: 1 });
  return cluster.members[0] as EtcdMember;
}

async function waitHealthy(endpoints: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await Promise.all(
      endpoints.map((url) =>
        fetch(`${url}/health`)
          .then((response) => response.json() as Promise<{ health?: string }>)
          .then((body) => body.health === 'true')
          .catch(() => false),
      ),
    );
    if (health.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`etcd members not healthy after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
