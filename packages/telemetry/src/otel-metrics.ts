import { type BatchObservableResult, type Meter, metrics } from '@opentelemetry/api';
import { z } from 'zod';
import { createAgentLabels } from './agent-labels';
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
 * `varplane.resource`) and `varplane.series` (by `varplane.series`), gauges.
 *
 * @example
 * const otel = createOtelMetrics(monitor); // uses the global MeterProvider your SDK registered
 */
export function createOtelMetrics(monitor: Monitor, options: OtelMetricsOptions = {}): OtelMetrics {
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
  const series = meter.createObservableGauge('varplane.series', {
    description: 'Tracked series as the monitor aggregated them.',
  });
  const observables = [
    depth,
    handled,
    errors,
    restarts,
    tokens,
    performance,
    efficiency,
    utilization,
    series,
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
      result.observe(series, value, { 'varplane.series': name });
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return {
    stop: () => meter.removeBatchObservableCallback(callback, observables),
  };
}
