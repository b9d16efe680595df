import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  createHandDrivenSpace,
  startedAll as started,
  threeAgentTeam as team,
} from '../test/hand-driven-space';
import type { AlertEvent } from './alert-engine';
import { startMonitoring } from './monitor';

// Alerts as a monitor steps them on its windows, acting through a hand-driven space's operations.
describe('alerts of a monitor', () => {
  function depthMonitor(cooldownMs = 10_000) {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const lines: string[] = [];
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['mailbox_depth'],
      alertThresholds: {
        mailbox_depth: {
          warning: 50,
          critical: 100,
          action: 'auto_scale',
          clearMargin: 10,
          cooldownMs,
        },
      },
      log: (line) => lines.push(line),
    });
    const events: AlertEvent[] = [];
    monitor.alerts$.subscribe((e) => events.push(e));
    const windowAt = async (depth: number) => {
      space.report(clock.now() + 1, [{ agent: 'coder', mailboxDepth: depth }]);
      clock.advance(1_000);
      await monitor.settled();
    };
    return { clock, space, monitor, events, windowAt };
  }

  it('rises, acts once, holds inside the margin, and lowers only past it (hysteresis)', async () => {
    const { space, monitor, events, windowAt } = depthMonitor();
    await windowAt(60); // warning
    await windowAt(120); // critical: auto_scale
    await windowAt(95); // within 10 of 100: still critical
    await windowAt(101); // still critical, inside cooldown: no second action
    await windowAt(85); // warning
    await windowAt(45); // within 10 of 50: still warning
    await windowAt(30); // resolved
    expect(events.map((e) => [e.type, e.alert.level, e.alert.value])).toEqual([
      ['alert-raised', 'warning', 60],
      ['alert-raised', 'critical', 120],
      ['alert-action-applied', 'critical', 120],
      ['alert-lowered', 'warning', 85],
      ['alert-resolved', 'ok', 30],
    ]);
    expect(space.calls).toEqual([{ op: 'autoScale' }]);
    expect(events[2]).toMatchObject({
      detail: 'autoScale {"scaled":1}',
      alert: { agent: 'coder' },
    });
    expect(monitor.alerts()).toEqual([]);
    monitor.stop();
  });

  it('cannot flap: re-entering critical inside the cooldown skips the action', async () => {
    const { clock, space, monitor, events, windowAt } = depthMonitor(5_000);
    await windowAt(150); // critical at t=1000: action
    await windowAt(10); // resolved
    await windowAt(150); // critical again at t=3000, cooldown until 6000
    expect(events.at(-1)).toMatchObject({ type: 'alert-action-skipped', retryAt: 6_000 });
    await windowAt(150);
    await windowAt(150);
    await windowAt(150); // t=6000: still critical past the cooldown, so the action runs again
    expect(clock.now()).toBe(6_000);
    expect(space.calls).toEqual([{ op: 'autoScale' }, { op: 'autoScale' }]);
    monitor.stop();
  });

  it('rises only after forWindows windows past the threshold', async () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, {
      clock,
      alertThresholds: {
        mailbox_depth: { warning: 5, critical: 10, action: 'auto_scale', forWindows: 3 },
      },
    });
    const levels: string[] = [];
    monitor.alerts$.subscribe((e) => levels.push(`${e.type}:${e.alert.level}`));
    for (const depth of [20, 20, 0, 20, 20, 20]) {
      space.report(clock.now(), [{ agent: 'coder', mailboxDepth: depth }]);
      clock.advance(1_000);
    }
    await monitor.settled();
    expect(levels).toEqual(['alert-raised:critical', 'alert-action-applied:critical']);
    expect((monitor.alerts()[0] as { since: number }).since).toBe(6_000);
    monitor.stop();
  });

  it('restarts the agent whose own errors cross the threshold (perAgent)', async () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, {
      clock,
      alertThresholds: {
        errors: { warning: 2, critical: 5, action: 'restart_agent', perAgent: true },
      },
    });
    started(space);
    space.report(500, [
      { agent: 'coder', errors: 7, messagesHandled: 3 },
      { agent: 'planner', errors: 1, messagesHandled: 30 },
    ]);
    clock.advance(1_000);
    await monitor.settled();
    expect(space.calls).toEqual([
      {
        op: 'handleAgentFailure',
        agent: 'coder',
        reason: { name: 'AlertTriggered', message: 'alert errors@coder is critical: errors = 7' },
      },
    ]);
    expect(monitor.alerts().map((a) => a.id)).toEqual(['errors@coder']);
    monitor.stop();
  });

  it('rebalances with the latest metrics, and writes log lines', async () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const lines: string[] = [];
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['aggregate_performance', 'errors'],
      alertThresholds: {
        aggregate_performance: { warning: 0.8, critical: 0.5, action: 'rebalance_resources' },
        errors: { warning: 1, critical: 3, action: 'log' },
      },
      log: (line) => lines.push(line),
    });
    started(space);
    space.report(500, [
      { agent: 'planner', messagesHandled: 1, errors: 9 },
      { agent: 'coder', messagesHandled: 1, errors: 9 },
      { agent: 'reviewer', messagesHandled: 10 },
    ]);
    clock.advance(1_000);
    await monitor.settled();
    const [call] = space.calls;
    expect(call?.op).toBe('adaptSystem');
    expect(call?.op === 'adaptSystem' && call.metrics.aggregatePerformance).toBeCloseTo(0.4, 12);
    expect(lines).toEqual(['[varplane] CRITICAL errors = 18 (>= 3), worst planner: log']);
    monitor.stop();
  });

  it('notifies by HTTP POST to the rule URL, and by callback', async () => {
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({
          method: request.method,
          type: request.headers['content-type'],
          body: JSON.parse(body),
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const called: string[] = [];
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['mailbox_depth', 'errors'],
      alertThresholds: {
        mailbox_depth: {
          warning: 1,
          critical: 2,
          action: 'notify',
          notifyUrl: `http://127.0.0.1:${port}/hook`,
        },
        errors: { warning: 1, critical: 2, action: 'notify' },
      },
      notify: (alert) => called.push(alert.id),
    });
    const applied: string[] = [];
    monitor.alerts$.subscribe((e) => e.type === 'alert-action-applied' && applied.push(e.detail));
    space.report(10, [{ agent: 'coder', mailboxDepth: 5, errors: 4 }]);
    clock.advance(1_000);
    await monitor.settled();
    server.close();
    expect(called).toEqual(['errors']);
    expect(received).toEqual([
      {
        method: 'POST',
        type: 'application/json',
        body: {
          alert: expect.objectContaining({ id: 'mailbox_depth', level: 'critical', value: 5 }),
        },
      },
    ]);
    expect(applied.sort()).toEqual([`notified`, `posted to http://127.0.0.1:${port}/hook (204)`]);
    monitor.stop();
  });

  it('reports an action that throws as alert-action-failed, and one that hangs as timed out', async () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    space.autoScale = () => new Promise(() => {});
    space.adaptSystem = async () => {
      throw new Error('no variables to adapt');
    };
    const monitor = startMonitoring(space, {
      clock,
      metricsToTrack: ['mailbox_depth', 'errors'],
      actionTimeoutMs: 2_000,
      alertThresholds: {
        mailbox_depth: { warning: 1, critical: 2, action: 'auto_scale' },
        errors: { warning: 1, critical: 2, action: 'rebalance_resources' },
      },
    });
    const failures: AlertEvent[] = [];
    monitor.alerts$.subscribe((e) => e.type === 'alert-action-failed' && failures.push(e));
    space.report(10, [{ agent: 'coder', mailboxDepth: 5, errors: 5 }]);
    clock.advance(1_000);
    // Lets the rejected action's promise chain run; the hanging one is still pending.
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures.map((f) => f.type === 'alert-action-failed' && f.error.message)).toEqual([
      'no variables to adapt',
    ]);
    clock.advance(2_000);
    await monitor.settled();
    expect(failures.map((f) => f.type === 'alert-action-failed' && f.error.code)).toEqual([
      undefined,
      'ALERT_ACTION_FAILED',
    ]);
    monitor.stop();
  });
});
