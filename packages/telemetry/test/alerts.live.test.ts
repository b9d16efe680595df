import { addOrchestrationVariable, addScalingPolicy, resourceAllocation } from '@varplane/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../src/alert-engine';
import { type Monitor, startMonitoring } from '../src/monitor';
import type { MonitorOptions } from '../src/monitor-options';
import { type LiveTeam, startLiveTeam } from './live-team';

let team: LiveTeam | undefined;
let monitor: Monitor | undefined;
afterEach(async () => {
  monitor?.stop();
  await team?.stop();
  team = undefined;
  monitor = undefined;
});

async function watch(
  agents: readonly string[],
  options: MonitorOptions,
  shape?: Parameters<typeof startLiveTeam>[1],
) {
  team = await startLiveTeam(agents, shape);
  monitor = startMonitoring(team.running, {
    clock: team.clock,
    collectionIntervalMs: 1_000,
    ...options,
  });
  const alerts: AlertEvent[] = [];
  monitor.alerts$.subscribe((event) => alerts.push(event));
  return { team, monitor, alerts };
}

describe('alerts that act on a real running space', () => {
  it('auto_scale: a deep mailbox scales the agent out through its scaling policy', async () => {
    const { team, monitor, alerts } = await watch(
      ['planner', 'coder'],
      { alertThresholds: { mailbox_depth: { warning: 5, critical: 10, action: 'auto_scale' } } },
      (space) =>
        addScalingPolicy(space, {
          agent: 'coder',
          metric: 'mailboxDepth',
          scaleUpThreshold: 5,
          scaleDownThreshold: 1,
          maxInstances: 3,
          cooldownMs: 0,
        }),
    );
    team.send('coder', 30, { ms: 100 });
    await team.pump(1_000);
    await monitor.settled();
    expect(alerts.map((a) => `${a.type}:${a.alert.level}`)).toEqual([
      'alert-raised:critical',
      'alert-action-applied:critical',
    ]);
    expect(alerts[0]?.alert).toMatchObject({ metric: 'mailbox_depth', agent: 'coder', value: 20 });
    expect(team.running.instances('coder')).toEqual(['coder', 'coder:2']);
    const last = team.running.space$.value.adaptationHistory.at(-1);
    expect(last).toMatchObject({
      operation: 'autoScale',
      trigger: 'load_increase',
      outcome: 'success',
    });
    expect(alerts[1]?.type === 'alert-action-applied' && alerts[1].detail).toBe(
      'autoScale success: agents.coder.instances 1 → 2',
    );
    // New work now spreads over both instances; the monitor counts them as one agent.
    team.send('coder', 10, { ms: 10 });
    await team.pump(1_000);
    expect(monitor.latest()?.agents.coder?.instances).toBe(2);
    expect(Object.keys(monitor.latest()?.agents ?? {}).sort()).toEqual(['coder', 'planner']);
  });

  it('restart_agent: a stuck agent is restarted, drains its mailbox, and the alert resolves', async () => {
    const { team, monitor, alerts } = await watch(['planner', 'coder'], {
      alertThresholds: {
        mailbox_depth: { warning: 3, critical: 5, action: 'restart_agent', perAgent: true },
      },
    });
    team.send('coder', 1, { hang: true });
    team.send('coder', 8);
    team.send('planner', 8);
    await team.pump(1_000);
    await monitor.settled();
    const applied = alerts.find((a) => a.type === 'alert-action-applied');
    expect(applied?.alert).toMatchObject({
      id: 'mailbox_depth@coder',
      level: 'critical',
      value: 8,
    });
    expect(applied?.type === 'alert-action-applied' && applied.detail).toBe('restarted coder');
    const coder = () => team.running.stats().find((s) => s.agent === 'coder');
    expect(coder()?.restarts).toBe(1);
    await team.pump(1_000);
    expect(coder()).toMatchObject({ mailboxDepth: 0, messagesHandled: 8 });
    expect(alerts.at(-1)).toMatchObject({
      type: 'alert-resolved',
      alert: { id: 'mailbox_depth@coder', value: 0 },
    });
    expect(team.running.space$.value.adaptationHistory.at(-1)).toMatchObject({
      operation: 'handleAgentFailure',
      trigger: 'fault_detected',
      outcome: 'success',
    });
  });

  it('rebalance_resources: a failing agent makes the space adapt its resource split', async () => {
    const agents = ['planner', 'coder'];
    const { team, monitor, alerts } = await watch(
      agents,
      {
        metricsToTrack: ['aggregate_performance'],
        alertThresholds: {
          aggregate_performance: { warning: 0.9, critical: 0.75, action: 'rebalance_resources' },
        },
      },
      (space) =>
        addOrchestrationVariable(
          space,
          resourceAllocation('token_split', {
            agents,
            resource: 'tokens',
            total: 100_000,
            plans: { planner_heavy: { planner: 0.8, coder: 0.2 } },
            // Moves budget to whoever is doing well.
            adaptation: (variable, metrics) =>
              (metrics.individualPerformance.coder ?? 1) < 0.5
                ? { ...variable, value: 'planner_heavy' }
                : variable,
          }),
        ),
    );
    team.send('planner', 10);
    team.send('coder', 2);
    team.send('coder', 8, { fail: true });
    await team.pump(1_000);
    await monitor.settled();
    const applied = alerts.find((a) => a.type === 'alert-action-applied');
    expect(applied?.alert).toMatchObject({
      metric: 'aggregate_performance',
      level: 'critical',
      value: 0.6,
    });
    const variable = team.running.space$.value.orchestrationVariables.token_split;
    expect(variable?.value).toBe('planner_heavy');
    expect(team.running.space$.value.adaptationHistory.at(-1)).toMatchObject({
      operation: 'adaptSystem',
      changes: [
        expect.objectContaining({
          variableId: 'token_split',
          oldValue: 'equal',
          newValue: 'planner_heavy',
        }),
      ],
    });
  });
});
