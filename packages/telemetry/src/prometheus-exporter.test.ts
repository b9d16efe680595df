import { createManualClock, createMultiAgentSpace, registerAgent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { rawRequest } from '../test/raw-request';
import { startMonitoring } from './monitor';
import { createPrometheusExporter } from './prometheus-exporter';

function watched(agents: readonly string[]) {
  let value = createMultiAgentSpace({ id: 'team' });
  for (const id of agents) value = registerAgent(value, { id, behaviour: id });
  const clock = createManualClock();
  const space = createHandDrivenSpace(value);
  const monitor = startMonitoring(space, {
    clock,
    alertThresholds: { mailbox_depth: { warning: 5, critical: 50, action: 'log' } },
    log: () => {},
  });
  for (const agent of agents) space.emit({ type: 'agent-started', at: 0, agent, behaviour: agent });
  return { clock, space, monitor };
}

describe('createPrometheusExporter', () => {
  it('serves the windows on 127.0.0.1 in the exposition format', async () => {
    const { clock, space, monitor } = watched(['planner', 'coder']);
    const exporter = await createPrometheusExporter(monitor);
    expect(exporter.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    space.report(500, [
      { agent: 'planner', mailboxDepth: 2, messagesHandled: 40, errors: 1 },
      { agent: 'coder', mailboxDepth: 7, messagesHandled: 10, restarts: 2 },
    ]);
    clock.advance(1_000);
    space.report(1_500, [
      { agent: 'planner', mailboxDepth: 0, messagesHandled: 50, errors: 1 },
      { agent: 'coder', mailboxDepth: 7, messagesHandled: 30, restarts: 2 },
    ]);
    clock.advance(1_000);
    const response = await fetch(exporter.url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (const line of [
      'varplane_agent_mailbox_depth{agent="coder"} 7',
      'varplane_agent_messages_per_second{agent="coder"} 20',
      'varplane_agent_messages_handled_total{agent="planner"} 50',
      'varplane_agent_messages_handled_total{agent="coder"} 30',
      'varplane_agent_errors_total{agent="planner"} 1',
      'varplane_agent_restarts_total{agent="coder"} 2',
      'varplane_agent_up{agent="planner"} 1',
      'varplane_aggregate_performance 1',
      'varplane_mailbox_depth_messages 7',
      'varplane_alerts_active{level="warning"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect((await fetch(exporter.url!.replace('/metrics', '/other'))).status).toBe(404);
    await exporter.close();
    monitor.stop();
  });

  it('exports each tracked quantity in its own unit, and durations as histograms in seconds', async () => {
    let value = createMultiAgentSpace({ id: 'team' });
    value = registerAgent(value, { id: 'a', behaviour: 'a' });
    const clock = createManualClock();
    const space = createHandDrivenSpace(value);
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['mailbox_depth', 'latency', 'queue_wait'],
      aggregation: { latency: 'percentile' },
      units: { latency: 'ms', queue_wait: 'us' },
    });
    space.emit({ type: 'agent-started', at: 0, agent: 'a', behaviour: 'a' });
    const exporter = await createPrometheusExporter(monitor, { serve: false });
    for (const ms of [3, 40, 700]) monitor.record('latency', ms);
    monitor.record('queue_wait', 2_500);
    space.emit({
      type: 'agent-crashed',
      at: 100,
      agent: 'a',
      error: { name: 'Error', message: 'x' },
    });
    space.emit({ type: 'agent-restarted', at: 350, agent: 'a', restarts: 1, delayMs: 250 });
    clock.advance(1_000);
    monitor.record('latency', 20_000);
    clock.advance(1_000);
    const text = await exporter.metrics();
    const lines = text.split('\n');
    // Cumulative over both windows, in seconds.
    for (const line of [
      '# TYPE varplane_latency_seconds histogram',
      'varplane_latency_seconds_bucket{le="0.005"} 1',
      'varplane_latency_seconds_bucket{le="0.025"} 1',
      'varplane_latency_seconds_bucket{le="0.05"} 2',
      'varplane_latency_seconds_bucket{le="1"} 3',
      'varplane_latency_seconds_bucket{le="10"} 3',
      'varplane_latency_seconds_bucket{le="30"} 4',
      'varplane_latency_seconds_bucket{le="+Inf"} 4',
      'varplane_latency_seconds_count 4',
      '# TYPE varplane_fault_recovery_time_seconds histogram',
      'varplane_fault_recovery_time_seconds_bucket{le="0.1"} 0',
      'varplane_fault_recovery_time_seconds_bucket{le="0.25"} 1',
      'varplane_fault_recovery_time_seconds_sum 0.25',
      'varplane_fault_recovery_time_seconds_count 1',
      'varplane_queue_wait_seconds 0.0025',
    ]) {
      expect(lines).toContain(line);
    }
    const sum = lines.find((l) => l.startsWith('varplane_latency_seconds_sum '));
    expect(Number(sum?.split(' ')[1])).toBeCloseTo(20.743, 9);
    expect(text).not.toContain('varplane_series');
    expect(text).not.toMatch(/latency.*p99/);
    // Every sample line is `name{labels} number`, and every name has a TYPE line.
    const typed = new Set(lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]));
    for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$|^\S+ (\+Inf|NaN)$/);
      const name = line.split(/[{ ]/)[0] as string;
      expect(typed.has(name.replace(/_(bucket|sum|count)$/, '')) || typed.has(name), name).toBe(
        true,
      );
    }
    await exporter.close();
    monitor.stop();
  });

  it('refuses a unit for a built-in metric', () => {
    const space = createHandDrivenSpace(createMultiAgentSpace({ id: 'team' }));
    expect(() => startMonitoring(space, { units: { recovery_time: 's' } })).toThrow(
      /startMonitoring: units\.recovery_time: is a built-in metric, whose unit is ms/,
    );
  });

  it('keeps agent labels bounded: agents past the cap are summed under _other', async () => {
    const { clock, space, monitor } = watched(['a', 'b', 'c', 'd']);
    const exporter = await createPrometheusExporter(monitor, { serve: false, maxAgentLabels: 2 });
    space.report(500, [
      { agent: 'a', mailboxDepth: 1, messagesHandled: 1 },
      { agent: 'b', mailboxDepth: 2, messagesHandled: 2 },
      { agent: 'c', mailboxDepth: 3, messagesHandled: 3 },
      { agent: 'd', mailboxDepth: 4, messagesHandled: 4 },
    ]);
    clock.advance(1_000);
    const text = await exporter.metrics();
    expect(exporter.url).toBeUndefined();
    expect(text).toContain('varplane_agent_mailbox_depth{agent="_other"} 7');
    expect(text).toContain('varplane_agent_messages_handled_total{agent="_other"} 7');
    expect(text).toContain('varplane_agent_up{agent="_other"} 2');
    const labels = new Set([...text.matchAll(/agent="([^"]+)"/g)].map((m) => m[1]));
    expect([...labels].sort()).toEqual(['_other', 'a', 'b']);
    await exporter.close();
    monitor.stop();
  });

  it('refuses a taken port with SERVER_START_FAILED', async () => {
    const { monitor } = watched(['a']);
    const first = await createPrometheusExporter(monitor);
    const port = Number(new URL(first.url as string).port);
    await expect(createPrometheusExporter(monitor, { port })).rejects.toMatchObject({
      code: 'SERVER_START_FAILED',
      message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}`)),
    });
    await first.close();
    monitor.stop();
  });

  it('answers 400 to request targets that are not URLs and keeps serving', async () => {
    const { monitor } = watched(['a']);
    const exporter = await createPrometheusExporter(monitor);
    const port = Number(new URL(exporter.url as string).port);
    for (const target of ['//[', 'http://[']) {
      const reply = await rawRequest(
        port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(reply.split('\r\n')[0], target).toBe('HTTP/1.1 400 Bad Request');
    }
    expect((await fetch(exporter.url as string)).status).toBe(200);
    await exporter.close();
    monitor.stop();
  });

  it('refuses a value that is not a monitor with TELEMETRY_INVALID_OPTIONS', async () => {
    await expect(createPrometheusExporter(undefined as never)).rejects.toMatchObject({
      code: 'TELEMETRY_INVALID_OPTIONS',
      message: expect.stringContaining('createPrometheusExporter: monitor: must be'),
    });
  });
});
