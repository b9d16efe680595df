import { addOrchestrationVariable, communicationTopology } from '@varplane/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { Insight } from '../src/insights';
import { type Monitor, startMonitoring } from '../src/monitor';
import { type LiveTeam, startLiveTeam } from './live-team';

let team: LiveTeam | undefined;
let monitor: Monitor | undefined;
afterEach(async () => {
  monitor?.stop();
  await team?.stop();
  team = undefined;
  monitor = undefined;
});

async function watch(agents: readonly string[], shape?: Parameters<typeof startLiveTeam>[1]) {
  team = await startLiveTeam(agents, shape);
  monitor = startMonitoring(team.running, { clock: team.clock, collectionIntervalMs: 1_000 });
  team.sink.current = monitor;
  const seen: Insight[] = [];
  monitor.insights$.subscribe((insight) => seen.push(insight));
  return { team, monitor, seen };
}

describe('insights from a real running space', () => {
  it('a mailbox that keeps growing: bottleneck_detected on that agent', async () => {
    const { team, monitor, seen } = await watch(['planner', 'coder', 'reviewer']);
    // coder can serve 10 messages a second (100 ms each) and gets 15.
    for (let second = 0; second < 4; second++) {
      team.send('coder', 15, { ms: 100 });
      team.send('planner', 5, { ms: 10 });
      team.send('reviewer', 5, { ms: 10 });
      await team.pump(1_000);
    }
    const insight = seen.find((i) => i.type === 'bottleneck_detected');
    expect(insight?.subject).toBe('coder');
    const depths = monitor.history().map((s) => s.agents.coder?.mailboxDepth);
    expect(depths).toEqual([5, 10, 15, 20]);
    // The runtime agrees with what the insight rests on.
    expect(team.running.stats().find((s) => s.agent === 'coder')?.mailboxDepth).toBe(20);
    expect(insight?.evidence).toMatchObject({
      mailboxDepth: 20,
      growthPerSecond: 5,
      messagesPerSecond: 10,
    });
    expect(insight?.suggestedAction).toMatchObject({
      actionType: 'scale_agent',
      parameters: { agent: 'coder', instances: 2 },
    });
    expect(seen.filter((i) => i.subject !== 'coder')).toEqual([]);
  });

  it('crashes that cluster: fault_pattern, with the restarts the supervisor made', async () => {
    const { team, monitor, seen } = await watch(['planner', 'coder']);
    team.send('planner', 5);
    for (let i = 0; i < 4; i++) {
      team.send('coder', 1, { fail: true });
      await team.pump(400);
    }
    await team.pump(400);
    // Reported once, as the third crash made the pattern; it still holds after the fourth.
    expect(seen.filter((i) => i.type === 'fault_pattern')).toHaveLength(1);
    expect(seen[0]).toMatchObject({ subject: 'coder', evidence: { crashes: 3, sameError: 3 } });
    const now = monitor.insights().find((i) => i.type === 'fault_pattern');
    expect(now?.evidence).toMatchObject({
      crashes: 4,
      sameError: 4,
      spanMs: 1_200,
      meanGapMs: 400,
    });
    expect(now?.description).toBe(
      'coder crashed 4 times in 1200 ms (4 of them Error): the restarts cluster, so restarting alone does not fix the cause',
    );
    expect(team.running.stats().find((s) => s.agent === 'coder')?.restarts).toBe(4);
  });

  it('an agent left idle while the others work: underutilized_agent', async () => {
    const { team, seen } = await watch(['planner', 'coder', 'reviewer']);
    for (let second = 0; second < 4; second++) {
      team.send('planner', 20, { ms: 10 });
      team.send('coder', 20, { ms: 10 });
      await team.pump(1_000);
    }
    expect(seen.map((i) => i.key)).toEqual(['underutilized_agent:reviewer']);
    expect(seen[0]?.evidence).toMatchObject({ messagesPerSecond: 0, teamMeanPerSecond: 13.3333 });
  });

  it('an agent spending far more tokens a message than its peers: resource_inefficiency', async () => {
    const { team, monitor, seen } = await watch(['planner', 'coder', 'reviewer']);
    for (let second = 0; second < 4; second++) {
      team.send('planner', 5, { tokens: 20 });
      team.send('coder', 5, { tokens: 400 });
      team.send('reviewer', 5, { tokens: 30 });
      await team.pump(1_000);
    }
    const insight = seen.find((i) => i.key === 'resource_inefficiency:tokens:coder');
    expect(insight?.evidence).toEqual({ tokensPerMessage: 400, medianTokensPerMessage: 30 });
    expect(insight?.suggestedAction).toMatchObject({
      actionType: 'adjust_parameters',
      parameters: { agent: 'coder', maxTokens: 45 },
    });
    expect(monitor.latest()?.agents.coder?.tokens).toBe(8_000);
  });

  it('a team busier rewiring itself than working: coordination_overhead', async () => {
    const agents = ['planner', 'coder', 'reviewer'];
    const { team, monitor, seen } = await watch(agents, (space) =>
      addOrchestrationVariable(
        space,
        communicationTopology('wiring', {
          agents,
          patterns: ['star', 'ring', 'mesh'],
          default: 'star',
        }),
      ),
    );
    for (const pattern of ['ring', 'mesh', 'ring', 'mesh'] as const) {
      await team.running.setVariable('wiring', pattern);
      team.send('coder', 2);
      await team.pump(1_000);
    }
    expect(seen.filter((i) => i.type === 'coordination_overhead').map((i) => i.subject)).toEqual([
      'team',
    ]);
    // As it stands after the last rewiring to a mesh: fewer links would cut the churn.
    expect(team.running.space$.value.coordinationGraph.topology).toBe('mesh');
    const now = monitor.insights().find((i) => i.type === 'coordination_overhead');
    expect(now?.suggestedAction).toMatchObject({
      actionType: 'change_topology',
      parameters: { from: 'mesh', to: 'star' },
    });
    const events = monitor
      .history()
      .reduce(
        (n, s) =>
          n + s.activity.topologyChanges + s.activity.directivesApplied + s.activity.adaptations,
        0,
      );
    expect(now?.evidence.coordinationEvents).toBe(events);
  });

  it('a sliding team score: optimization_opportunity naming the weakest agent', async () => {
    const { team, seen } = await watch(['planner', 'coder', 'reviewer']);
    for (const failing of [0, 3, 6, 9]) {
      team.send('planner', 10);
      team.send('reviewer', 10);
      team.send('coder', 10 - failing);
      team.send('coder', failing, { fail: true });
      await team.pump(1_000);
    }
    const insight = seen.find((i) => i.key === 'optimization_opportunity:performance');
    expect(insight?.suggestedAction.parameters).toMatchObject({ optimize: 'team', agent: 'coder' });
    expect(insight?.evidence.best).toBe(1);
    // Last window: coder handled 1 of 10 messages.
    expect(insight?.evidence.now).toBeCloseTo((1 + 0.1 + 1) / 3, 4);
  });
});
