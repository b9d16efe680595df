import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { z } from 'zod';
import { createAgentLabels } from './agent-labels';
import { boundsFor } from './distribution';
import { ServerStartError, TelemetryOptionsError } from './errors';
import { checkMonitor } from './internal/check-monitor';
import { containedHandler, requestUrl } from './internal/http-request';
import { parseOptions } from './internal/parse';
import { registerWindowHistogram, type WindowHistogram } from './internal/prometheus-histogram';
import { prometheusName, prometheusUnit } from './internal/prometheus-names';
import type { MetricsSnapshot } from './metrics-snapshot';
import type { Monitor } from './monitor';

const optionsSchema = z
  .object({
    /** Port on 127.0.0.1; 0 (the default) picks a free one. */
    port: z.number().int().min(0).max(65_535).default(0),
    /** Serve `GET /metrics`; false to only fill the registry (to mount it elsewhere). */
    serve: z.boolean().default(true),
    /** Agents with a label of their own; the rest are summed under `agent="_other"`. */
    maxAgentLabels: z.number().int().positive().default(50),
    prefix: z
      .string()
      .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/)
      .default('varplane_'),
  })
  .strict();

export type PrometheusExporterOptions = z.input<typeof optionsSchema>;

export interface PrometheusExporter {
  /** The registry the exporter fills (its own, not prom-client's global one). */
  readonly registry: Registry;
  /** `http://127.0.0.1:<port>/metrics` when serving. */
  readonly url: string | undefined;
  /** The exposition text, as a scrape would get it. */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

type AgentCounter = 'handled' | 'errors' | 'restarts' | 'tokens' | 'cost';
const COUNTER_FIELDS: Record<
  AgentCounter,
  'messagesHandled' | 'errors' | 'restarts' | 'tokens' | 'cost'
> = {
  handled: 'messagesHandled',
  errors: 'errors',
  restarts: 'restarts',
  tokens: 'tokens',
  cost: 'cost',
};

/**
 * Exports a monitor's windows in the Prometheus format (prom-client), served on 127.0.0.1. Per-agent
 * series carry an `agent` label, bounded by `maxAgentLabels`; team series carry none.
 *
 * @example
 * const exporter = await createPrometheusExporter(monitor, { port: 9464 });
 * console.log(exporter.url); // http://127.0.0.1:9464/metrics
 */
export async function createPrometheusExporter(
  monitor: Monitor,
  options: PrometheusExporterOptions = {},
): Promise<PrometheusExporter> {
  checkMonitor(monitor, 'createPrometheusExporter');
  const { port, serve, maxAgentLabels, prefix } = parseOptions(
    optionsSchema,
    options,
    'createPrometheusExporter',
  );
  const registry = new Registry();
  const labels = createAgentLabels(maxAgentLabels);
  const agentGauge = (name: string, help: string) =>
    new Gauge({ name: `${prefix}${name}`, help, labelNames: ['agent'], registers: [registry] });
  const agentCounter = (name: string, help: string) =>
    new Counter({ name: `${prefix}${name}`, help, labelNames: ['agent'], registers: [registry] });

  const depth = agentGauge('agent_mailbox_depth', 'Messages waiting in the agent mailbox.');
  const rate = agentGauge(
    'agent_messages_per_second',
    'Messages the agent handled per second over the last window.',
  );
  const up = agentGauge('agent_up', 'Agents running (1 for a running agent; a count for _other).');
  const counters: Record<AgentCounter, Counter> = {
    handled: agentCounter('agent_messages_handled_total', 'Messages the agent handled.'),
    errors: agentCounter('agent_errors_total', 'Messages whose handler threw.'),
    restarts: agentCounter('agent_restarts_total', 'Times the agent was restarted.'),
    tokens: agentCounter('agent_tokens_total', 'LM tokens the agent spent.'),
    cost: agentCounter('agent_cost_total', 'Money the agent spent.'),
  };
  const team = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name: `${prefix}${name}`, help, labelNames, registers: [registry] });
  const performance = team('aggregate_performance', "The team's score in [0, 1].");
  const efficiency = team(
    'communication_efficiency_ratio',
    'Share of sent messages that reached a handler.',
  );
  const adaptation = team(
    'adaptation_success_ratio',
    'Share of recorded adaptations that succeeded.',
  );
  const utilization = team('resource_utilization_ratio', 'Share of a resource in use.', [
    'resource',
  ]);
  const alerts = team('alerts_active', 'Alerts at each level.', ['level']);
  const histogram = (metric: string, help: string) => {
    const unit = monitor.options.units.get(metric) ?? '1';
    const exported = prometheusUnit(unit);
    const name = prometheusName(prefix, metric, exported);
    return {
      histogram: registerWindowHistogram(registry, name, help, boundsFor(unit), exported.scale),
      scale: exported.scale,
    };
  };
  // Recoveries are always a histogram; so is every metric tracked as `percentile`.
  const histograms = new Map<string, { histogram: WindowHistogram; scale: number }>([
    ['recovery_time', histogram('fault_recovery_time', 'Time from a crash to the restart.')],
  ]);
  // Every other tracked metric gets a gauge of its own, in its own unit, for the last window.
  const windowGauges = new Map<string, { gauge: Gauge; scale: number }>();
  const exportedAlready = new Set([
    'aggregate_performance',
    'communication_efficiency',
    'adaptation_success_rate',
    'fault_recovery_time',
    'recovery_time',
  ]);
  try {
    for (const [metric, spec] of monitor.options.tracked) {
      if (exportedAlready.has(metric) || metric.startsWith('resource_utilization.')) continue;
      const percentile =
        spec === 'percentile' || (typeof spec === 'object' && spec.type === 'percentile');
      if (percentile) {
        histograms.set(metric, histogram(metric, `${metric}, sampled by the monitor.`));
        continue;
      }
      const unit = prometheusUnit(monitor.options.units.get(metric) ?? '1');
      const how =
        typeof spec === 'string'
          ? spec
          : spec.type === 'custom'
            ? (spec.name ?? 'custom')
            : spec.type;
      windowGauges.set(metric, {
        gauge: team(
          prometheusName(prefix, metric, unit).slice(prefix.length),
          `${metric} over the last window (${how}).`,
        ),
        scale: unit.scale,
      });
    }
  } catch (cause) {
    throw new TelemetryOptionsError({
      code: 'TELEMETRY_INVALID_OPTIONS',
      message: `createPrometheusExporter: a tracked metric's name collides with another exported metric: ${cause instanceof Error ? cause.message : String(cause)}`,
      cause,
    });
  }

  // Last cumulative value per agent, so counters grow by exactly what the runtime counted.
  const seen = new Map<string, Record<AgentCounter, number>>();

  const take = (snapshot: MetricsSnapshot) => {
    const gauges = new Map<string, { depth: number; rate: number; up: number }>();
    for (const agent of Object.values(snapshot.agents)) {
      const label = labels.labelOf(agent.agent);
      const g = gauges.get(label) ?? { depth: 0, rate: 0, up: 0 };
      g.depth += agent.mailboxDepth;
      g.rate += agent.messagesPerSecond;
      g.up += agent.state === 'running' ? 1 : 0;
      gauges.set(label, g);
      const last = seen.get(agent.agent);
      const now = {} as Record<AgentCounter, number>;
      for (const key of Object.keys(COUNTER_FIELDS) as AgentCounter[]) {
        now[key] = agent[COUNTER_FIELDS[key]];
        const delta = now[key] - (last?.[key] ?? 0);
        if (delta > 0) counters[key].inc({ agent: label }, delta);
      }
      seen.set(agent.agent, now);
    }
    for (const [label, g] of gauges) {
      depth.set({ agent: label }, g.depth);
      rate.set({ agent: label }, g.rate);
      up.set({ agent: label }, g.up);
    }
    performance.set(snapshot.performance.aggregatePerformance);
    efficiency.set(snapshot.performance.communicationEfficiency);
    adaptation.set(snapshot.performance.adaptationSuccessRate);
    for (const [resource, used] of Object.entries(snapshot.performance.resourceUtilization)) {
      utilization.set({ resource }, used);
    }
    for (const [metric, { gauge, scale }] of windowGauges) {
      const value = snapshot.series[metric];
      if (value !== undefined) gauge.set(value * scale);
    }
    for (const [metric, window] of Object.entries(snapshot.distributions ?? {})) {
      const target = histograms.get(metric);
      if (target !== undefined) target.histogram.add(window, target.scale);
    }
    const active = monitor.alerts();
    alerts.set({ level: 'warning' }, active.filter((a) => a.level === 'warning').length);
    alerts.set({ level: 'critical' }, active.filter((a) => a.level === 'critical').length);
  };

  const latest = monitor.latest();
  if (latest !== undefined) take(latest);
  const subscription: Subscription = monitor.metrics$.subscribe(take);

  let server: Server | undefined;
  let url: string | undefined;
  if (serve) {
    server = createServer(
      containedHandler((request, response) => {
        const path = requestUrl(request)?.pathname;
        if (path === undefined) {
          response
            .writeHead(400, { 'content-type': 'text/plain' })
            .end('bad request: the target is not a URL path\n');
          return;
        }
        if (request.method !== 'GET' || path !== '/metrics') {
          response
            .writeHead(404, { 'content-type': 'text/plain' })
            .end('not found: GET /metrics\n');
          return;
        }
        registry.metrics().then(
          (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
          (error: unknown) => response.writeHead(500).end(String(error)),
        );
      }),
    );
    const listening = server;
    try {
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', resolve);
      });
    } catch (cause) {
      subscription.unsubscribe();
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new ServerStartError({
        message: `prometheus: cannot listen on 127.0.0.1:${port}: ${why}`,
        cause,
      });
    }
    url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/metrics`;
  }

  return {
    registry,
    url,
    metrics: () => registry.metrics(),
    async close() {
      subscription.unsubscribe();
      if (server !== undefined) {
        const closing = server;
        server = undefined;
        closing.closeAllConnections();
        await new Promise<void>((resolve) => closing.close(() => resolve()));
      }
    },
  };
}
