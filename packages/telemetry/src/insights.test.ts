import {
  createManualClock,
  createMultiAgentSpace,
  type MultiAgentSpace,
  registerAgent,
  updateResourcePool,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace, type HandDrivenSpace } from '../test/hand-driven-space';
import { generateInsights, type Insight } from './insights';
import { type Monitor, startMonitoring } from './monitor';

function team(topology: 'star' | 'mesh' = 'star'): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team', topology });
  for (const id of ['planner', 'coder', 'reviewer'])
    space = registerAgent(space, { id, behaviour: id });
  return space;
}

function watch(value = team()) {
  const clock = createManualClock();
  const space = createHandDrivenSpace(value);
  const monitor = startMonitoring(space, { clock, collectionIntervalMs: 1_000 });
  const seen: Insight[] = [];
  monitor.insights$.subscribe((i) => seen.push(i));
  for (const agent of ['planner', 'coder', 'reviewer']) {
    space.emit({ type: 'agent-started', at: 0, agent, behaviour: agent });
  }
  return { clock, space, monitor, seen };
}

type Counts = Record<string, { handled: number; depth?: number; tokens?: number }>;
function window(
  space: HandDrivenSpace,
  monitor: Monitor,
  clock: ReturnType<typeof createManualClock>,
  counts: Counts,
) {
  space.report(
    clock.now() + 999,
    Object.entries(counts).map(([agent, c]) => ({
      agent,
      messagesHandled: c.handled,
      mailboxDepth: c.depth ?? 0,
      ...(c.tokens === undefined ? {} : { tokens: c.tokens }),
    })),
  );
  clock.advance(1_000);
  return monitor.latest();
}

describe('generateInsights, from a monitor watching a hand-driven space', () => {
  it('sees a mailbox that keeps growing as a bottleneck, and suggests scaling the agent', () => {
    const { clock, space, monitor, seen } = watch();
    // coder serves 10/s while its mailbox grows by 15/s.
    for (let i = 1; i <= 4; i++) {
      window(space, monitor, clock, {
        planner: { handled: 25 * i },
        coder: { handled: 10 * i, depth: 15 * i },
        reviewer: { handled: 10 * i },
      });
    }
    const insight = seen.find((s) => s.type === 'bottleneck_detected') as Insight;
    expect(insight).toMatchObject({
      key: 'bottleneck_detected:coder',
      subject: 'coder',
      confidence: 1,
      suggestedAction: {
        actionType: 'scale_agent',
        parameters: { agent: 'coder', instances: 3 },
        riskLevel: 'low',
      },
      evidence: { mailboxDepth: 60, growthPerSecond: 15, messagesPerSecond: 10, instances: 1 },
    });
    // 15 of the 25 messages arriving each second pile up.
    expect(insight.impactEstimate).toBe(0.6);
    expect(insight.description).toMatch(/coder's mailbox grew in 3 of 3 windows to 60 messages/);
    // Reported once while it lasts.
    window(space, monitor, clock, { coder: { handled: 50, depth: 75 } });
    expect(seen.filter((s) => s.type === 'bottleneck_detected')).toHaveLength(1);
    monitor.stop();
  });

  it('sees crashes that cluster as a fault pattern', () => {
    const { clock, space, monitor, seen } = watch();
    const error = { name: 'RateLimitError', message: '429' };
    for (const at of [100, 400, 900, 1_300]) {
      space.emit({ type: 'agent-crashed', at, agent: 'coder', error });
      space.emit({
        type: 'agent-restarted',
        at: at + 20,
        agent: 'coder',
        restarts: 1,
        delayMs: 20,
      });
    }
    space.emit({
      type: 'agent-crashed',
      at: 1_500,
      agent: 'planner',
      error: { name: 'TypeError', message: 'x' },
    });
    clock.advance(2_000);
    const insight = seen.find((s) => s.type === 'fault_pattern') as Insight;
    expect(insight).toMatchObject({
      key: 'fault_pattern:coder',
      confidence: 1,
      impactEstimate: 0.8,
      suggestedAction: {
        actionType: 'adjust_parameters',
        parameters: { agent: 'coder', error: 'RateLimitError', restartBackoffMs: 1_000 },
        riskLevel: 'medium',
      },
      evidence: { crashes: 4, sameError: 4, spanMs: 1_200, meanGapMs: 400 },
    });
    expect(seen.some((s) => s.key === 'fault_pattern:planner')).toBe(false);
    monitor.stop();
  });

  it('sees an agent far below the team rate with an empty mailbox as underused', () => {
    const { clock, space, monitor, seen } = watch();
    for (let i = 1; i <= 4; i++) {
      window(space, monitor, clock, {
        planner: { handled: 40 * i },
        coder: { handled: 40 * i },
        reviewer: { handled: i },
      });
    }
    expect(seen.map((s) => s.key)).toEqual(['underutilized_agent:reviewer']);
    expect(seen[0]).toMatchObject({
      suggestedAction: {
        actionType: 'remove_agent',
        parameters: { agent: 'reviewer' },
        riskLevel: 'medium',
      },
      evidence: { messagesPerSecond: 1, teamMeanPerSecond: 27 },
    });
    monitor.stop();
  });

  it('sees a nearly spent budget and a token-hungry agent as resource inefficiency', () => {
    const value = updateResourcePool(team(), { tokens: 10_000 });
    const { clock, space, monitor, seen } = watch(value);
    for (let i = 1; i <= 4; i++) {
      space.space$.next(updateResourcePool(space.space$.value, { tokens: 10_000 - 2_400 * i }));
      window(space, monitor, clock, {
        planner: { handled: 10 * i, tokens: 100 * i },
        coder: { handled: 10 * i, tokens: 2_000 * i },
        reviewer: { handled: 10 * i, tokens: 300 * i },
      });
    }
    const keys = seen.map((s) => s.key).sort();
    expect(keys).toEqual(['resource_inefficiency:tokens', 'resource_inefficiency:tokens:coder']);
    const budget = seen.find((s) => s.key === 'resource_inefficiency:tokens') as Insight;
    expect(budget.evidence.utilization).toBe(0.96);
    expect(budget.suggestedAction.actionType).toBe('redistribute_resources');
    const hungry = seen.find((s) => s.key === 'resource_inefficiency:tokens:coder') as Insight;
    // coder: 6,000 tokens over 30 messages = 200 a message; median 30.
    expect(hungry.evidence).toEqual({ tokensPerMessage: 200, medianTokensPerMessage: 30 });
    expect(hungry.suggestedAction.parameters).toEqual({ agent: 'coder', maxTokens: 45 });
    monitor.stop();
  });

  it('sees many coordination events per message as overhead, suggesting a sparser topology', () => {
    const { clock, space, monitor, seen } = watch(team('mesh'));
    for (let i = 1; i <= 4; i++) {
      space.emit({ type: 'topology-changed', at: clock.now(), topology: 'mesh', edges: 6 });
      space.emit({
        type: 'directive-applied',
        at: clock.now(),
        directive: {
          agent: 'coder',
          action: 'reconfigure',
          parameters: {},
          priority: 50,
          timeout: 5_000,
        },
      });
      window(space, monitor, clock, { planner: { handled: 5 * i }, coder: { handled: 5 * i } });
    }
    const insight = seen.find((s) => s.type === 'coordination_overhead') as Insight;
    // Reported once the churn has lasted the trend windows: 8 events for 40 messages.
    expect(seen.filter((s) => s.type === 'coordination_overhead')).toHaveLength(1);
    expect(insight.at).toBe(4_000);
    expect(insight.evidence).toEqual({
      coordinationEvents: 8,
      messagesHandled: 40,
      per100Messages: 20,
    });
    expect(insight.suggestedAction).toMatchObject({
      actionType: 'change_topology',
      parameters: { from: 'mesh', to: 'star' },
    });
    monitor.stop();
  });

  it('sees a sliding team score and dropped messages as optimization opportunities', () => {
    const { clock, space, monitor, seen } = watch();
    const errors = [0, 2, 5, 8];
    for (let i = 0; i < 4; i++) {
      const handledSoFar = 10 * (i + 1);
      space.report(clock.now() + 999, [
        { agent: 'planner', messagesHandled: handledSoFar },
        {
          agent: 'coder',
          messagesHandled: handledSoFar,
          errors: errors.slice(0, i + 1).reduce((a, b) => a + b, 0),
        },
        { agent: 'reviewer', messagesHandled: handledSoFar },
      ]);
      if (i === 3)
        space.emit({
          type: 'mailbox-overflowed',
          at: clock.now(),
          agent: 'reviewer',
          policy: 'reject',
          dropped: 10,
        });
      clock.advance(1_000);
    }
    const keys = seen.filter((s) => s.type === 'optimization_opportunity').map((s) => s.key);
    expect(keys).toEqual([
      'optimization_opportunity:performance',
      'optimization_opportunity:mailbox:reviewer',
    ]);
    const slide = seen.find((s) => s.key === 'optimization_opportunity:performance') as Insight;
    // From 1 (no errors) to (1 + 10/18 + 1) / 3 in the last window.
    expect(slide.evidence.best).toBe(1);
    expect(slide.evidence.now).toBeCloseTo((1 + 10 / 18 + 1) / 3, 4);
    expect(slide.suggestedAction.parameters).toMatchObject({ agent: 'coder' });
    monitor.stop();
  });

  it('finds nothing in a healthy team, and accepts a single snapshot', () => {
    const { clock, space, monitor, seen } = watch();
    for (let i = 1; i <= 4; i++) {
      window(space, monitor, clock, {
        planner: { handled: 10 * i },
        coder: { handled: 12 * i },
        reviewer: { handled: 9 * i },
      });
    }
    expect(seen).toEqual([]);
    expect(generateInsights(monitor.latest()!)).toEqual([]);
    expect(() => generateInsights([], { trendWindows: 2 })).toThrowError(/trendWindows/);
    monitor.stop();
  });
});
