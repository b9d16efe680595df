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
      'varplane_series{series="mailbox_depth"} 7',
      'varplane_alerts_active{level="warning"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect((await fetch(exporter.url!.replace('/metrics', '/other'))).status).toBe(404);
    await exporter.close();
    monitor.stop();
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
