import {
  type BatchObservableResult,
  type Meter,
  metrics,
  type ObservableGauge,
} from '@opentelemetry/api';
import { z } from 'zod';
import { createAgentLabels } from './agent-labels';
import { SECONDS_PER_UNIT } from './distribution';
import { checkMonitor } from './internal/check-monitor';
import { isFunction, parseOptions } from './internal/parse';
import type { Monitor } from './monitor';

const optionsSchema = z
  .object({
    /** Default: `@opentelemetry/api`'s global meter provider (a no-op without an SDK). */
    meter: z
      .custom<Meter>(
        (v) =>
          typeof v === 'object' && v !== null && isFunction((v as Meter).createObservableGauge),
        'must be an OpenTelemetry Meter',
      )
      .optional(),
    /** Agents with an attribute value of their own; the rest are summed under `_other`. */
    maxAgents: z.number().int().positive().default(50),
  })
  .strict();

export type OtelMetricsOptions = z.input<typeof optionsSchema>;

export interface OtelMetrics {
  /** Removes the callbacks: the instruments report nothing more. */
  stop(): void;
}

// Team metrics with an instrument of their own above.
const TEAM_INSTRUMENTS = new Set(['aggregate_performance', 'communication_efficiency']);

/** The attribute per-agent instruments carry: the GenAI conventions' agent name. */
export const AGENT_ATTRIBUTE = 'gen_ai.agent.name';

/**
 * Reports a monitor's latest window through OpenTelemetry metrics: observable instruments read on
 * each collection of the SDK's reader, so nothing is computed when no SDK is installed.
 *
 * Instruments: `varplane.agent.mailbox.depth` (gauge), `varplane.agent.messages.handled`,
 * `varplane.agent.errors`, `varplane.agent.restarts`, `varplane.agent.tokens` (cumulative
 * counters), all with `gen_ai.agent.name`; `varplane.team.performance`,
 * `varplane.team.communication_efficiency`, `varplane.resource.utilization` (by
 * `varplane.resource`), gauges; and one gauge per other tracked metric, `varplane.window.<metric>`
 * in the metric's unit (durations in seconds, `s`), with `varplane.quantile` (`p50`...) for
 * metrics aggregated as `percentile`.
 *
 * @example
 * const otel = createOtelMetrics(monitor); // uses the global MeterProvider your SDK registered
 */
export function createOtelMetrics(monitor: Monitor, options: OtelMetricsOptions = {}): OtelMetrics {
  checkMonitor(monitor, 'createOtelMetrics');
  const parsed = parseOptions(optionsSchema, options, 'createOtelMetrics');
  const meter = parsed.meter ?? metrics.getMeter('@varplane/telemetry');
  const labels = createAgentLabels(parsed.maxAgents);

  const depth = meter.createObservableGauge('varplane.agent.mailbox.depth', {
    description: 'Messages waiting in the agent mailbox.',
    unit: '{message}',
  });
  const handled = meter.createObservableCounter('varplane.agent.messages.handled', {
    description: 'Messages the agent handled.',
    unit: '{message}',
  });
  const errors = meter.createObservableCounter('varplane.agent.errors', {
    description: 'Messages whose handler threw.',
    unit: '{error}',
  });
  const restarts = meter.createObservableCounter('varplane.agent.restarts', {
    description: 'Times the agent was restarted.',
    unit: '{restart}',
  });
  const tokens = meter.createObservableCounter('varplane.agent.tokens', {
    description: 'LM tokens the agent spent.',
    unit: '{token}',
  });
  const performance = meter.createObservableGauge('varplane.team.performance', {
    description: "The team's score in [0, 1].",
    unit: '1',
  });
  const efficiency = meter.createObservableGauge('varplane.team.communication_efficiency', {
    description: 'Share of sent messages that reached a handler.',
    unit: '1',
  });
  const utilization = meter.createObservableGauge('varplane.resource.utilization', {
    description: 'Share of a resource in use.',
    unit: '1',
  });
  // One instrument per tracked quantity, so no instrument mixes units.
  const windowGauges = new Map<string, { gauge: ObservableGauge; scale: number }>();
  for (const [metric, spec] of monitor.options.tracked) {
    if (TEAM_INSTRUMENTS.has(metric) || metric.startsWith('resource_utilization.')) continue;
    const unit = monitor.options.units.get(metric) ?? '1';
    const seconds = SECONDS_PER_UNIT[unit];
    const how = typeof spec === 'string' ? spec : spec.type;
    windowGauges.set(metric, {
      gauge: meter.createObservableGauge(`varplane.window.${metric}`, {
        description: `${metric} over the last collection window (${how}).`,
        unit: seconds === undefined ? unit : 's',
      }),
      scale: seconds ?? 1,
    });
  }
  const observables = [
    depth,
    handled,
    errors,
    restarts,
    tokens,
    performance,
    efficiency,
    utilization,
    ...[...windowGauges.values()].map((w) => w.gauge),
  ];

  const callback = (result: BatchObservableResult) => {
    const snapshot = monitor.latest();
    if (snapshot === undefined) return;
    const sums = new Map<string, [number, number, number, number, number]>();
    for (const agent of Object.values(snapshot.agents)) {
      const label = labels.labelOf(agent.agent);
      const s = sums.get(label) ?? [0, 0, 0, 0, 0];
      s[0] += agent.mailboxDepth;
      s[1] += agent.messagesHandled;
      s[2] += agent.errors;
      s[3] += agent.restarts;
      s[4] += agent.tokens;
      sums.set(label, s);
    }
    for (const [label, [d, h, e, r, t]] of sums) {
      const attributes = { [AGENT_ATTRIBUTE]: label };
      result.observe(depth, d, attributes);
      result.observe(handled, h, attributes);
      result.observe(errors, e, attributes);
      result.observe(restarts, r, attributes);
      result.observe(tokens, t, attributes);
    }
    result.observe(performance, snapshot.performance.aggregatePerformance);
    result.observe(efficiency, snapshot.performance.communicationEfficiency);
    for (const [resource, used] of Object.entries(snapshot.performance.resourceUtilization)) {
      result.observe(utilization, used, { 'varplane.resource': resource });
    }
    for (const [name, value] of Object.entries(snapshot.series)) {
      const quantile = /\.(p[0-9.]+)$/.exec(name);
      const metric = quantile === null ? name : name.slice(0, -quantile[0].length);
      const target = windowGauges.get(metric) ?? windowGauges.get(name);
      if (target === undefined) continue;
      const attributes =
        quantile === null || !windowGauges.has(metric)
          ? {}
          : { 'varplane.quantile': quantile[1] as string };
      result.observe(target.gauge, value * target.scale, attributes);
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return {
    stop: () => meter.removeBatchObservableCallback(callback, observables),
  };
}
