import { createManualClock, createMultiAgentSpace, registerAgent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { createDashboard } from './dashboard';
import { startMonitoring } from './monitor';

function team() {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['worker', 'idle', 'retiree', '__proto__']) {
    space = registerAgent(space, { id, behaviour: 'b' });
  }
  return createHandDrivenSpace(space);
}

describe("an agent's score: one definition for the table and the team", () => {
  it('gives a recovered idle agent its last measured score back, and leaves stopped agents out', async () => {
    const clock = createManualClock(0);
    const space = team();
    const monitor = startMonitoring(space, { clock, log: () => {} });
    for (const agent of ['worker', 'idle', 'retiree', '__proto__']) {
      space.emit({ type: 'agent-started', at: 0, agent, behaviour: 'b' });
    }
    // Window 1: worker handles 8 of 10, the others 5 without error.
    space.report(0, [
      { agent: 'worker', messagesHandled: 8, errors: 2 },
      { agent: 'idle', messagesHandled: 5 },
      { agent: 'retiree', messagesHandled: 5 },
      { agent: '__proto__', messagesHandled: 5 },
    ]);
    const first = monitor.collect().performance.individualPerformance;
    expect(first).toEqual({ worker: 0.8, idle: 1, retiree: 1, ['__proto__']: 1 });

    // Window 2: worker crashes (down: 0); retiree stops normally (out of the team score).
    space.emit({
      type: 'agent-crashed',
      at: 1,
      agent: 'worker',
      error: { name: 'E', message: 'x' },
    });
    space.emit({ type: 'agent-stopped', at: 1, agent: 'retiree', reason: 'normal' });
    const second = monitor.collect().performance;
    expect(second.individualPerformance).toEqual({ worker: 0, idle: 1, ['__proto__']: 1 });
    expect(second.aggregatePerformance).toBeCloseTo(2 / 3, 10);

    // Window 3: worker is back and idle: its last measured score, not the 0 of its down window.
    space.emit({ type: 'agent-restarted', at: 2, agent: 'worker', restarts: 1, delayMs: 1 });
    const third = monitor.collect().performance;
    expect(third.individualPerformance).toEqual({ worker: 0.8, idle: 1, ['__proto__']: 1 });
    expect(third.aggregatePerformance).toBeCloseTo((0.8 + 1 + 1) / 3, 10);

    // The table shows the same scores, and none for the agent that stopped normally.
    const dashboard = await createDashboard(monitor, { print: () => {} });
    const rows = Object.fromEntries(dashboard.state().agents.map((a) => [a.id, a.performance]));
    expect(rows).toEqual({ worker: 0.8, idle: 1, retiree: null, ['__proto__']: 1 });
    await dashboard.close();
    monitor.stop();
  });
});
