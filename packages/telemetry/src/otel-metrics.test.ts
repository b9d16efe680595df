import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  createManualClock,
  createMultiAgentSpace,
  registerAgent,
  updateResourcePool,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { startMonitoring } from './monitor';
import { createOtelMetrics } from './otel-metrics';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

describe('createOtelMetrics', () => {
  it('gives each tracked metric its own gauge, durations in seconds with a quantile attribute', async () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(createMultiAgentSpace({ id: 'team' }));
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['latency', 'queue_length'],
      aggregation: { latency: { type: 'percentile', quantiles: [0.5, 1] } },
      units: { latency: 'ms', queue_length: '{item}' },
    });
    const reader = new TestReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
    createOtelMetrics(monitor, { meter });
    for (const ms of [100, 100, 2_000]) monitor.record('latency', ms);
    monitor.record('queue_length', 7);
    clock.advance(1_000);
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const latency = found.find((m) => m.descriptor.name === 'varplane.window.latency');
    expect(latency?.descriptor.unit).toBe('s');
    const points = Object.fromEntries(
      (latency?.dataPoints ?? []).map((p) => [p.attributes['varplane.quantile'], p.value]),
    );
    expect(points.p50).toBeCloseTo(0.1, 2);
    expect(points.p100).toBeCloseTo(2, 1);
    const queue = found.find((m) => m.descriptor.name === 'varplane.window.queue_length');
    expect(queue?.descriptor.unit).toBe('{item}');
    expect(queue?.dataPoints.map((p) => p.value)).toEqual([7]);
    monitor.stop();
  });

  it("reports the monitor's latest window through an OpenTelemetry meter", async () => {
    let value = createMultiAgentSpace({ id: 'team' });
    for (const id of ['a', 'b', 'c']) value = registerAgent(value, { id, behaviour: id });
    value = updateResourcePool(value, { totalMemory: 100, availableMemory: 40 });
    const clock = createManualClock();
    const space = createHandDrivenSpace(value);
    const monitor = startMonitoring(space, { clock });
    const reader = new TestReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter('test');
    const otel = createOtelMetrics(monitor, { meter, maxAgents: 2 });
    space.report(100, [
      { agent: 'a', mailboxDepth: 3, messagesHandled: 10, errors: 1 },
      { agent: 'b', mailboxDepth: 1, messagesHandled: 5, restarts: 2 },
      { agent: 'c', mailboxDepth: 4, messagesHandled: 7 },
    ]);
    clock.advance(1_000);

    const { resourceMetrics } = await reader.collect();
    const byName = new Map(
      resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .map((m) => [
          m.descriptor.name,
          Object.fromEntries(
            m.dataPoints.map((p) => [Object.values(p.attributes).join(',') || '-', p.value]),
          ),
        ]),
    );
    expect(byName.get('varplane.agent.mailbox.depth')).toEqual({ a: 3, b: 1, _other: 4 });
    expect(byName.get('varplane.agent.messages.handled')).toEqual({ a: 10, b: 5, _other: 7 });
    expect(byName.get('varplane.agent.errors')).toEqual({ a: 1, b: 0, _other: 0 });
    expect(byName.get('varplane.agent.restarts')).toEqual({ a: 0, b: 2, _other: 0 });
    expect(byName.get('varplane.resource.utilization')).toEqual({ memory: 0.6 });
    expect(byName.get('varplane.window.mailbox_depth')).toEqual({ '-': 4 });
    expect(byName.get('varplane.window.messages_per_second')).toEqual({ '-': 22 });
    expect(byName.has('varplane.series')).toBe(false);
    expect(byName.get('varplane.team.performance')).toEqual({ '-': 10 / 11 / 3 + 2 / 3 });

    // Once stopped, the callback no longer reads new windows.
    otel.stop();
    space.report(1_100, [{ agent: 'a', mailboxDepth: 30, messagesHandled: 100 }]);
    clock.advance(1_000);
    const after = await reader.collect();
    const depth = after.resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === 'varplane.agent.mailbox.depth');
    expect(
      depth?.dataPoints.find((p) => p.attributes['gen_ai.agent.name'] === 'a')?.value ?? 3,
    ).toBe(3);
    monitor.stop();
  });
});
