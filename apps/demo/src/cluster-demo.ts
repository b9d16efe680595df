/**
 * `pnpm demo -- --nodes 3`: the software team on three node processes of one cluster (NATS for the
 * messages, the embedded Raft for membership and placement). Tasks go on while a coder moves to
 * another node; then a node is killed with SIGKILL and its agents are restarted on the others.
 * Every process the demo starts (nats-servers, nodes) is stopped by its PID when it ends, also on
 * Ctrl+C or a crash of the demo.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ClusterEvent, type ClusterNode, startClusterNode } from '@varplane/cluster';
import type { AgentRef, RuntimeEvent } from '@varplane/core';
import {
  type ClusterNodeStatus,
  createDashboard,
  type Dashboard,
  startMonitoring,
} from '@varplane/telemetry';
import { findBinary, type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { BehaviorSubject, Subject } from 'rxjs';
import type { ControlMessage, NodeProcessConfig } from './cluster-node-process';
import type { Output } from './output';
import { codingTasks, demoModel, softwareTeam } from './software-team';

export interface ClusterDemoResult {
  readonly nodes: readonly string[];
  /** Where each agent ran when the team was placed. */
  readonly placed: Readonly<Record<string, string>>;
  readonly migration: {
    readonly agent: string;
    readonly from: string;
    readonly to: string;
    readonly epochBefore: number;
    readonly epochAfter: number;
    /** Tasks sent to the agent while it moved, and how many were answered. */
    readonly tasks: number;
    readonly answered: number;
  };
  readonly failover: {
    readonly node: string;
    /** The epoch of the committed entry that declared the node down. */
    readonly epoch: number;
    readonly agents: ReadonlyArray<{ agent: string; to: string; epoch: number }>;
    /** Tasks sent to the restarted agents through their old refs, and how many were answered. */
    readonly tasks: number;
    readonly answered: number;
  };
  /** Where each agent runs at the end. */
  readonly final: Readonly<Record<string, string>>;
}

/** The demo cannot start its servers: nats-server is missing. */
export class MissingNatsServerError extends Error {
  override readonly name = 'MissingNatsServerError';
  constructor() {
    super(
      '--nodes runs the team on a NATS cluster and needs nats-server on this machine: ' +
        'install it with `sudo apt-get install nats-server` (Debian and Ubuntu).',
    );
  }
}

interface NodeChild {
  readonly node: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Resolves once the node printed `ready`; rejects when it exits or does not start in time. */
  readonly ready: Promise<void>;
}

const CLUSTER = 'demo';
const here = fileURLToPath(new URL('.', import.meta.url));
// Every deadline is generous: on a loaded machine a node process takes seconds to start.
const START_MS = 60_000;
const SETTLE_MS = 30_000;

/**
 * Runs the cluster scene and resolves with what happened, or with undefined when `stopped` (the
 * user's Ctrl+C) came first; either way only after every process it started has exited. With a
 * dashboard the cluster stays up after the scene until `stopped`.
 */
export async function runClusterDemo(
  options: {
    nodes: number;
    seed: number;
    /** Serve the dashboard with its nodes view, and keep the cluster up until `stopped`. */
    dashboard?: { print: (line: string) => void; onDashboard?: (dashboard: Dashboard) => void };
  },
  out: Output,
  stopped?: Promise<void>,
): Promise<ClusterDemoResult | undefined> {
  if (findBinary('nats-server') === undefined) throw new MissingNatsServerError();
  const names = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const children = new Map<string, NodeChild>();
  const events: Array<{ from: string; event: ClusterEvent }> = [];
  const waiters = new Set<() => void>();
  let nats: NatsCluster | undefined;
  let natsStarting: Promise<NatsCluster> | undefined;
  let client: ClusterNode | undefined;
  let dashboard: Dashboard | undefined;
  let stopDashboard: (() => Promise<void>) | undefined;
  // Under --dashboard: looks again at where agents run, on every cluster event.
  let refreshNodes: (() => Promise<void>) | undefined;
  // Set on Ctrl+C: the scene's loops and waits end instead of going on against stopped nodes.
  let aborted = false;

  // Whatever ends the demo (Ctrl+C, an error, process.exit), nothing it started outlives it.
  const killAll = () => {
    for (const { child } of children.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const server of nats?.servers ?? []) {
      server.kill('SIGKILL');
      rmSync(server.dir, { recursive: true, force: true });
    }
  };
  process.once('exit', killAll);

  const until = async <T>(what: string, check: () => T | undefined, ms = SETTLE_MS) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (aborted) throw new Error('--nodes: stopped');
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`--nodes: timed out waiting for ${what}`);
      // Woken by the next event from a node, or after a while to look again.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 250);
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        waiters.add(done);
      });
    }
  };

  const body = (async (): Promise<ClusterDemoResult> => {
    out.section(`The team on ${options.nodes} node processes (NATS + the embedded Raft)`);
    natsStarting = startNatsCluster({
      size: 3,
      jetstream: false,
      name: `varplane-demo-${process.pid}`,
    });
    nats = await natsStarting;
    out.say(
      `  NATS cluster: ${nats.servers.map((s) => `127.0.0.1:${s.port} (pid ${s.pid})`).join(', ')}`,
    );
    const urls = nats.urls;
    await Promise.all(
      names.map(async (node, i) => {
        const own = urls[i % urls.length] as string;
        const config: NodeProcessConfig = {
          cluster: CLUSTER,
          node,
          servers: [own, ...urls.filter((url) => url !== own)],
          peers: names,
          seed: options.seed,
        };
        const started = startNode(config, (event) => {
          events.push({ from: node, event });
          for (const wake of [...waiters]) wake();
          refreshNodes?.().catch(() => undefined);
        });
        // Tracked from its spawn, so a Ctrl+C while it starts stops it too.
        children.set(node, started);
        await started.ready;
        out.say(`  node ${node} up (pid ${started.child.pid})`);
      }),
    );
    client = await startClusterNode({ cluster: CLUSTER, node: 'demo', servers: urls });
    const system = client.system;
    const ask = <T>(node: string, message: ControlMessage, timeout = 10_000) =>
      system.call<T>({ id: `control-${node}`, node }, message, { timeout });
    const live = () => names.filter((node) => children.get(node)?.child.exitCode === null);

    // Raft elects a leader among the nodes before anything can be placed.
    let leader: string | undefined;
    const leaderDeadline = Date.now() + START_MS;
    while (leader === undefined && !aborted) {
      const reports = await Promise.all(
        names.map((node) =>
          ask<{ leader: string | null }>(node, { type: 'leader' }, 2_000).catch(() => null),
        ),
      );
      const seen = new Set(reports.map((r) => r?.leader ?? null));
      if (seen.size === 1 && !seen.has(null)) leader = [...seen][0] as string;
      else if (Date.now() > leaderDeadline) throw new Error('--nodes: no Raft leader was elected');
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (leader === undefined) throw new Error('--nodes: stopped');
    out.say(`  Raft leader: ${leader}`);

    // The team, spread over the nodes in turn: each agent under a committed placement.
    const team = softwareTeam(demoModel(options.seed).lm, []);
    const agents = Object.values(team.space.agents);
    const placed: Record<string, string> = {};
    for (const [i, agent] of agents.entries()) {
      const node = names[i % names.length] as string;
      const ref = await ask<AgentRef & { ok?: false; message?: string }>(leader, {
        type: 'place',
        id: agent.id,
        behaviour: agent.behaviour,
        args: { agentId: agent.id, config: { localConfiguration: agent.localConfiguration } },
        node,
      });
      if (ref.ok === false) throw new Error(`--nodes: placing ${agent.id}: ${ref.message}`);
      placed[agent.id] = ref.node;
    }
    const placement = async (id: string) => {
      for (const node of live()) {
        const found = await ask<{ node: string; epoch: number } | null>(node, {
          type: 'placement',
          id,
        }).catch(() => null);
        if (found !== null) return found;
      }
      throw new Error(`--nodes: no node knows where ${id} runs`);
    };
    if (options.dashboard !== undefined) {
      ({ dashboard, stopDashboard } = await serveDashboard(team.space, options.dashboard));
      const { nodes$, refresh } = nodeStatuses(names, Object.keys(placed), live, ask);
      dashboard.attachNodes(nodes$);
      refreshNodes = refresh;
      await refresh();
    }
    out.say('  Placed (agent -> node, epoch):');
    for (const id of Object.keys(placed)) {
      const { node, epoch } = await placement(id);
      out.say(`    ${id.padEnd(17)} ${node}  epoch ${epoch}`);
    }

    // Tasks through refs that name the node the agent was placed on: after a move that node is
    // only a hint, and the cluster finds the agent.
    const tasks = codingTasks(8, 300);
    let next = 0;
    const work = async (agent: string, language: string) => {
      const task = tasks.filter((t) => String(t.inputs.task).startsWith(language))[next++ % 8];
      try {
        const reply = await system.call<{ answer: unknown }>(
          { id: agent, node: placed[agent] as string },
          { type: 'run', inputs: task?.inputs, runId: `cluster-${next}` },
          { timeout: 10_000 },
        );
        await system.call(
          { id: 'reviewer', node: placed.reviewer as string },
          {
            type: 'review',
            answer: String(reply.answer),
          },
          { timeout: 10_000 },
        );
        return true;
      } catch (error) {
        out.say(`    ${agent}: task failed (${(error as Error).message})`);
        return false;
      }
    };

    // A coder moves to the next node while tasks keep coming to it.
    out.say();
    const mover = 'python_coder';
    const before = await placement(mover);
    const target = names[(names.indexOf(before.node) + 1) % names.length] as string;
    out.say(`  Tasks go to ${mover} while it moves ${before.node} -> ${target}:`);
    let moving = true;
    let sent = 0;
    let answered = 0;
    const stream = (async () => {
      while ((moving || sent < 6) && !aborted) {
        sent += 1;
        if (await work(mover, 'python')) answered += 1;
      }
    })();
    // The move starts once the stream is under way, so it happens mid-run.
    await until('the first tasks', () => (answered >= 2 ? true : undefined));
    // A move is refused, and changes nothing, when the target is fenced for a moment (a renewal
    // late on a loaded machine): it is asked again, a few times.
    for (let attempt = 1; ; attempt++) {
      const moved = await ask<{ ok: boolean; code?: string; message?: string }>(before.node, {
        type: 'migrate',
        id: mover,
        to: target,
      });
      if (moved.ok) break;
      if (attempt === 5 || aborted) {
        throw new Error(`--nodes: moving ${mover} failed: ${moved.code} ${moved.message}`);
      }
      out.say(`    the move was refused (${moved.code}: ${moved.message}); asking again`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    moving = false;
    await stream;
    const after = await placement(mover);
    out.say(
      `    ${mover} moved ${before.node} -> ${after.node} (epoch ${before.epoch} -> ${after.epoch}); ${answered} of ${sent} tasks answered`,
    );

    // A node dies without warning: its agents are restarted on the others.
    out.say();
    const victim = names[names.length - 1] as string;
    const victims: string[] = [];
    for (const id of Object.keys(placed))
      if ((await placement(id)).node === victim) victims.push(id);
    const dying = children.get(victim) as NodeChild;
    const leading = await ask<{ leader: string | null }>(victim, { type: 'leader' }).catch(
      () => null,
    );
    out.say(
      `  kill -9 ${victim} (pid ${dying.child.pid}${leading?.leader === victim ? ', the Raft leader' : ''}), which runs ${victims.join(', ')}`,
    );
    const killedAt = events.length;
    dying.child.kill('SIGKILL');
    await dying.exited;
    const later = () => events.slice(killedAt).map((e) => e.event);
    const down = await until(`${victim} to be declared down`, () =>
      later().find(
        (e): e is Extract<ClusterEvent, { type: 'node-declared-down' }> =>
          e.type === 'node-declared-down' && e.node === victim,
      ),
    );
    out.say(`    ${victim} declared down by a committed entry (epoch ${down.epoch})`);
    const restarted: Array<{ agent: string; to: string; epoch: number }> = [];
    for (const agent of victims) {
      const hosted = await until(`${agent} to run again`, () => {
        const found = events
          .slice(killedAt)
          .find(
            (e) =>
              e.event.type === 'agent-hosted' &&
              e.event.agent === agent &&
              e.event.how === 'restarted',
          );
        return found === undefined
          ? undefined
          : { to: found.from, epoch: (found.event as { epoch: number }).epoch };
      });
      restarted.push({ agent, ...hosted });
      out.say(`    ${agent} restarted on ${hosted.to} (epoch ${hosted.epoch})`);
    }
    // Work for the restarted agents, through refs that still name the dead node.
    let failoverTasks = 0;
    let failoverAnswered = 0;
    for (const { agent } of restarted) {
      const language = agent.endsWith('_coder') ? agent.replace('_coder', '') : 'rust';
      for (let i = 0; i < 2; i++) {
        failoverTasks += 1;
        const ok = agent.endsWith('_coder')
          ? await work(agent, language)
          : await system
              .call(
                { id: agent, node: victim },
                { type: 'review', answer: '42' },
                { timeout: 10_000 },
              )
              .then(
                () => true,
                () => false,
              );
        if (ok) failoverAnswered += 1;
      }
    }
    out.say(
      `    ${failoverAnswered} of ${failoverTasks} tasks sent to them through refs naming ${victim} answered`,
    );

    const final: Record<string, string> = {};
    out.say();
    out.say('  Where each agent runs now:');
    for (const id of Object.keys(placed)) {
      const { node, epoch } = await placement(id);
      final[id] = node;
      out.say(`    ${id.padEnd(17)} ${node}  epoch ${epoch}`);
    }
    return {
      nodes: names,
      placed,
      migration: {
        agent: mover,
        from: before.node,
        to: after.node,
        epochBefore: before.epoch,
        epochAfter: after.epoch,
        tasks: sent,
        answered,
      },
      failover: {
        node: victim,
        epoch: down.epoch,
        agents: restarted,
        tasks: failoverTasks,
        answered: failoverAnswered,
      },
      final,
    };
  })();
  // After a Ctrl+C the scene's last steps fail against stopped nodes: nobody waits for them.
  body.catch(() => undefined);
  try {
    const interrupted = stopped?.then(() => {
      aborted = true;
      out.always('  Ctrl+C: stopping the nodes and the nats-servers.');
      return undefined;
    });
    const result = await (interrupted === undefined ? body : Promise.race([body, interrupted]));
    if (result !== undefined && dashboard !== undefined) {
      await refreshNodes?.();
      out.always('The dashboard shows the nodes; press Ctrl+C to stop the cluster.');
      await interrupted;
    }
    return result;
  } finally {
    aborted = true;
    await stopDashboard?.();
    await client?.stop().catch(() => undefined);
    // Each node is asked to stop (its stdin closes), then killed if it does not.
    await Promise.all(
      [...children.values()].map(async ({ child, exited }) => {
        child.stdin?.end();
        const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(late);
      }),
    );
    const servers = nats ?? (await natsStarting?.catch(() => undefined));
    await servers?.stop();
    process.off('exit', killAll);
    out.always(
      `  Stopped: ${children.size} nodes and ${servers?.servers.length ?? 0} nats-servers, each by its pid.`,
    );
  }
}

/** Starts one node process; its `ready` resolves once it printed `ready`. */
function startNode(config: NodeProcessConfig, onEvent: (event: ClusterEvent) => void): NodeChild {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@varplane/source',
      '--import',
      'tsx',
      `${here}cluster-node-process.ts`,
      JSON.stringify(config),
    ],
    // In its own process group: a Ctrl+C in the terminal reaches the demo, which stops its nodes.
    { cwd: `${here}..`, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Closing the pipe of a node that is already gone is no error: it is what stopping it means.
  child.stdin?.on('error', () => undefined);
  let output = '';
  let partial = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`--nodes: node ${config.node} did not start:\n${output.slice(-2_000)}`));
    }, START_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output = (output + text).slice(-20_000);
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (line.startsWith('event ')) onEvent(JSON.parse(line.slice(6)) as ClusterEvent);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `--nodes: node ${config.node} exited (${code ?? signal}):\n${output.slice(-2_000)}`,
        ),
      );
    });
  });
  // A node that fails to start is reported by whoever awaits `ready`.
  ready.catch(() => undefined);
  return { node: config.node, child, exited, ready };
}

/** The dashboard for the cluster scene: the team's agents, and the nodes view. */
async function serveDashboard(
  space: ReturnType<typeof softwareTeam>['space'],
  options: NonNullable<Parameters<typeof runClusterDemo>[0]['dashboard']>,
): Promise<{ dashboard: Dashboard; stopDashboard: () => Promise<void> }> {
  // The agents run in the node processes, not here: the page shows the team as a value, and the
  // nodes view says where each agent runs.
  const events$ = new Subject<RuntimeEvent>();
  // Its alert rules take no action (none are set), and an action asked for anyway is refused:
  // the nodes' supervisors and the control plane heal the agents, not this process.
  const refuse = (action: string) => () => {
    throw new Error(`${action}: the cluster's agents are run by their nodes, not by this page`);
  };
  const monitor = startMonitoring(
    {
      space$: new BehaviorSubject(space),
      events$,
      handleAgentFailure: refuse('handleAgentFailure'),
      autoScale: refuse('autoScale'),
      adaptSystem: refuse('adaptSystem'),
    },
    { collectionIntervalMs: 500 },
  );
  const dashboard = await createDashboard(monitor, {
    title: 'varplane demo: the team on a cluster',
    print: options.print,
  });
  options.onDashboard?.(dashboard);
  return {
    dashboard,
    stopDashboard: async () => {
      await dashboard.close();
      monitor.stop();
      events$.complete();
    },
  };
}

/**
 * The nodes view's source: membership (up or down, by committed entries) and each agent's
 * placement, read from a live node. Refreshes coalesce: one runs at a time, and a refresh asked
 * for meanwhile runs once after it.
 */
function nodeStatuses(
  names: readonly string[],
  agents: readonly string[],
  live: () => string[],
  ask: <T>(node: string, message: ControlMessage, timeout?: number) => Promise<T>,
) {
  const nodes$ = new BehaviorSubject<readonly ClusterNodeStatus[]>(
    names.map((node) => ({ node, status: 'up', agents: [] })),
  );
  const read = async () => {
    const from = live()[0];
    if (from === undefined) return;
    const members = await ask<Array<{ node: string; status: 'up' | 'down' }>>(from, {
      type: 'members',
    });
    const placements = await Promise.all(
      agents.map(async (id) => ({
        id,
        at: await ask<{ node: string; epoch: number } | null>(from, { type: 'placement', id }),
      })),
    );
    nodes$.next(
      names.map((node) => ({
        node,
        status: members.find((m) => m.node === node)?.status ?? 'up',
        agents: placements
          .filter((p) => p.at?.node === node)
          .map((p) => ({ id: p.id, epoch: p.at?.epoch ?? 0 })),
      })),
    );
  };
  let running: Promise<void> | undefined;
  let again = false;
  const refresh = async (): Promise<void> => {
    if (running !== undefined) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await read().catch(() => undefined);
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  return { nodes$, refresh };
}
