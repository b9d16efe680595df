import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { AgentStats } from '@varplane/core';
import type { ActorSystem } from '@varplane/runtime';
import { z } from 'zod';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';
import { subjectToken } from './subjects';

/** What one node reports: its agents' statistics when it was asked. */
export interface NodeTelemetry {
  readonly node: string;
  /** The node's clock when it answered, ms. */
  readonly at: number;
  readonly agents: readonly AgentStats[];
}

/** Sums over agents (of one node, or of every node that answered). */
export interface TelemetryTotals {
  readonly agents: number;
  readonly messagesHandled: number;
  readonly mailboxDepth: number;
  readonly errors: number;
  readonly restarts: number;
  readonly tokens: number;
  readonly cost: number;
}

export interface ClusterTelemetry {
  /** Each node that answered, by name, with its totals. */
  readonly nodes: Readonly<Record<string, NodeTelemetry & { totals: TelemetryTotals }>>;
  /** The totals over every node that answered. */
  readonly merged: TelemetryTotals;
  /** Nodes asked that did not answer within the deadline (down, cut off, or not serving). */
  readonly absent: readonly string[];
}

/** Where a node answers telemetry requests. */
export function telemetrySubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.telemetry`;
}

const serveSchema = z.object({
  connection: z.custom<NatsConnection>(
    (v) =>
      typeof v === 'object' && v !== null && typeof (v as NatsConnection).subscribe === 'function',
    { message: 'expected a NATS connection' },
  ),
  cluster: z.string().min(1),
  node: z.string().min(1),
  system: z.custom<ActorSystem>(
    (v) => typeof v === 'object' && v !== null && typeof (v as ActorSystem).stats === 'function',
    { message: 'expected an actor system' },
  ),
});

const text = new TextEncoder();
const read = new TextDecoder();

/**
 * Answers telemetry requests for this node's agents (`clusterTelemetry` asks). Resolves, once the
 * server has the subscription, with a function that stops answering.
 */
export async function serveTelemetry(options: {
  connection: NatsConnection;
  cluster: string;
  node: string;
  system: ActorSystem;
}): Promise<() => Promise<void>> {
  const { connection, cluster, node, system } = parseArgument(
    serveSchema,
    options,
    'serveTelemetry',
  );
  const subscription: Subscription = connection.subscribe(telemetrySubject(cluster, node), {
    callback: (error, msg) => {
      if (error) return;
      try {
        const report: NodeTelemetry = { node, at: system.clock.now(), agents: system.stats() };
        msg.respond(text.encode(JSON.stringify(report)));
      } catch {
        // Stats that cannot travel, or a closed connection: the asker counts this node absent.
      }
    },
  });
  await connection.flush();
  return async () => {
    await subscription.drain().catch(() => undefined);
  };
}

const askSchema = z.object({
  connection: z.custom<NatsConnection>(
    (v) =>
      typeof v === 'object' && v !== null && typeof (v as NatsConnection).request === 'function',
    { message: 'expected a NATS connection' },
  ),
  cluster: z.string().min(1),
  nodes: z.array(z.string().min(1)).max(10_000),
  timeoutMs: z.number().int().min(1).max(600_000),
});

/**
 * Asks every node in `nodes` for its agents' statistics at once and gives them per node and
 * merged; nodes that do not answer within `timeoutMs` (default 1,000) are named in `absent`,
 * never silently left out.
 *
 * @example
 * const report = await clusterTelemetry(member.connection, 'team', ['n1', 'n2', 'n3']);
 * report.merged.messagesHandled; report.absent; // ['n3'] when n3 is down
 */
export async function clusterTelemetry(
  connection: NatsConnection,
  cluster: string,
  nodes: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<ClusterTelemetry> {
  const input = parseArgument(
    askSchema,
    { connection, cluster, nodes, timeoutMs: options?.timeoutMs ?? 1_000 },
    'clusterTelemetry',
  );
  if (input.connection.isClosed()) {
    throw new ClusterError({
      code: 'CLUSTER_TRANSPORT_CLOSED',
      message: 'clusterTelemetry: the NATS connection is closed',
    });
  }
  const unique = [...new Set(input.nodes)];
  const answers = await Promise.all(
    unique.map(async (node) => {
      try {
        const reply = await input.connection.request(
          telemetrySubject(input.cluster, node),
          undefined,
          {
            timeout: input.timeoutMs,
          },
        );
        const report = JSON.parse(read.decode(reply.data)) as NodeTelemetry;
        if (report?.node !== node || !Array.isArray(report.agents)) return undefined;
        return report;
      } catch {
        return undefined;
      }
    }),
  );
  const perNode: Record<string, NodeTelemetry & { totals: TelemetryTotals }> = Object.create(null);
  const absent: string[] = [];
  const all: AgentStats[] = [];
  for (const [index, node] of unique.entries()) {
    const report = answers[index];
    if (report === undefined) {
      absent.push(node);
      continue;
    }
    perNode[node] = { ...report, totals: sum(report.agents) };
    all.push(...report.agents);
  }
  return { nodes: perNode, merged: sum(all), absent };
}

function sum(agents: readonly AgentStats[]): TelemetryTotals {
  const totals = {
    agents: agents.length,
    messagesHandled: 0,
    mailboxDepth: 0,
    errors: 0,
    restarts: 0,
    tokens: 0,
    cost: 0,
  };
  for (const agent of agents) {
    totals.messagesHandled += finite(agent.messagesHandled);
    totals.mailboxDepth += finite(agent.mailboxDepth);
    totals.errors += finite(agent.errors);
    totals.restarts += finite(agent.restarts);
    totals.tokens += finite(agent.tokens);
    totals.cost += finite(agent.cost);
  }
  return totals;
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
