import { afterEach, describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../src/metrics-snapshot';
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

describe('message rates and spending from a real running space', () => {
  it("shows the runtime's per-destination counts on the edges and its ledger's spend per agent", async () => {
    // A star around planner; no instrumented model reports usage: only the runtime's stats.
    team = await startLiveTeam(['planner', 'coder', 'reviewer']);
    monitor = startMonitoring(team.running, { clock: team.clock, collectionIntervalMs: 1_000 });
    for (let second = 0; second < 2; second++) {
      // Each second planner broadcasts 4 x 3 messages to each spoke, and spends 150 tokens.
      team.send('planner', 4, { broadcast: 3 });
      team.send('planner', 1, { tokens: 150 });
      await team.pump(1_000);
    }
    const latest = monitor.latest() as MetricsSnapshot;
    expect(latest.sequence).toBe(2);
    const rate = (from: string, to: string) =>
      latest.edges.find((e) => e.from === from && e.to === to)?.messagesPerSecond;
    expect(rate('planner', 'coder')).toBe(12);
    expect(rate('planner', 'reviewer')).toBe(12);
    // The spokes count their sends too: they sent nothing back.
    expect(rate('coder', 'planner')).toBe(0);
    expect(latest.agents.coder?.messagesPerSecond).toBe(12);
    expect(latest.agents.planner).toMatchObject({ tokens: 300, tokensPerSecond: 150 });
    expect(latest.agents.coder?.tokens).toBe(0);
  });
});
