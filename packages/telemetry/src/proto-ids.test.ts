import {
  createManualClock,
  createMultiAgentSpace,
  emptyMetrics,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { generateInsights } from './insights';
import type { MetricsSnapshot } from './metrics-snapshot';
import { startMonitoring } from './monitor';
import { computePerformance } from './performance';

// Ids such as `__proto__` are ordinary ids: an agent named so is measured and reported like any
// other, and a metric option keyed `__proto__` is refused rather than silently dropped.
function team(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['__proto__', 'coder']) space = registerAgent(space, { id, behaviour: 'echo' });
  return space;
}

describe('ids such as __proto__', () => {
  it('are agents whose growing mailbox is a bottleneck insight', () => {
    const clock = createManualClock();
    const space = createHandDrivenSpace(team());
    const monitor = startMonitoring(space, { clock, collectionIntervalMs: 1_000, insights: false });
    for (const agent of ['__proto__', 'coder'])
      space.emit({ type: 'agent-started', at: 0, agent, behaviour: 'echo' });
    const windows: MetricsSnapshot[] = [];
    for (let i = 1; i <= 4; i++) {
      space.report(clock.now() + 999, [
        { agent: '__proto__', messagesHandled: 10 * i, mailboxDepth: 15 * i },
        { agent: 'coder', messagesHandled: 25 * i, mailboxDepth: 0 },
      ]);
      clock.advance(1_000);
      windows.push(monitor.latest() as MetricsSnapshot);
    }
    monitor.stop();
    const bottleneck = generateInsights(windows).find((i) => i.type === 'bottleneck_detected');
    expect(bottleneck).toMatchObject({
      subject: '__proto__',
      suggestedAction: { parameters: { agent: '__proto__', instances: 3 } },
      evidence: { mailboxDepth: 60, growthPerSecond: 15 },
    });
  });

  it('are agents whose last measured score a quiet window keeps', () => {
    const previous = {
      ...emptyMetrics(),
      individualPerformance: JSON.parse('{"__proto__": 0.25, "constructor": 0.5}'),
    };
    const metrics = computePerformance({
      agents: [
        { agent: '__proto__', handled: 0, errors: 0, status: 'up' },
        { agent: 'constructor', handled: 0, errors: 0, status: 'up' },
        { agent: 'toString', handled: 0, errors: 0, status: 'up' },
      ],
      dropped: 0,
      pool: undefined,
      initialPool: undefined,
      adaptationHistory: [],
      recoveryTimes: [],
      previous,
    });
    expect(Object.entries(metrics.individualPerformance)).toEqual([
      ['__proto__', 0.25],
      ['constructor', 0.5],
      ['toString', 1],
    ]);
  });

  it('are refused as metric option keys, where they were once dropped', () => {
    // Metric names are lower_snake_case, so no metric is `__proto__`: the option is refused.
    const space = createHandDrivenSpace(team());
    for (const key of ['aggregation', 'alertThresholds']) {
      const value =
        key === 'aggregation' ? '"max"' : '{"warning": 1, "critical": 2, "action": "log"}';
      const options = JSON.parse(`{"${key}": {"__proto__": ${value}}}`);
      expect(() => startMonitoring(space, options)).toThrow(
        expect.objectContaining({
          message: expect.stringContaining(`${key}.__proto__`),
        }),
      );
    }
  });

  it('track a metric named constructor: the monitor starts with its default aggregation', () => {
    const monitor = startMonitoring(createHandDrivenSpace(team()), {
      clock: createManualClock(),
      metricsToTrack: ['mailbox_depth', 'constructor'],
      units: { constructor: 'ms' },
      insights: false,
    });
    expect(monitor.latest()).toBeUndefined();
    monitor.stop();
  });
});
