import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { addOrchestrationVariable, addScalingPolicy, communicationTopology } from '@varplane/core';
import type { SupervisionNode } from '@varplane/runtime';
import type { Browser, Page } from 'playwright-core';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDashboard, type Dashboard } from '../src/dashboard';
import type { OptimizerProgress } from '../src/dashboard-state';
import { type Monitor, startMonitoring } from '../src/monitor';
import { launchChromium } from './chromium';
import { type LiveTeam, startLiveTeam } from './live-team';

const output = join(import.meta.dirname, 'output');
mkdirSync(output, { recursive: true });
const AGENTS = ['planner', 'coder', 'reviewer', 'tester'];

let browser: Browser;
let team: LiveTeam;
let monitor: Monitor;
let dashboard: Dashboard;
let page: Page;
const trials = new Subject<OptimizerProgress>();

beforeAll(async () => {
  browser = await launchChromium();
  team = await startLiveTeam(AGENTS, (space) => {
    const wired = addOrchestrationVariable(
      space,
      communicationTopology('wiring', {
        agents: AGENTS,
        patterns: ['star', 'ring'],
        default: 'star',
      }),
    );
    return addScalingPolicy(wired, {
      agent: 'coder',
      metric: 'mailboxDepth',
      scaleUpThreshold: 8,
      scaleDownThreshold: 1,
      maxInstances: 3,
      cooldownMs: 0,
    });
  });
  monitor = startMonitoring(team.running, {
    clock: team.clock,
    collectionIntervalMs: 1_000,
    metricsToTrack: [
      'mailbox_depth',
      'messages_per_second',
      'errors',
      'tokens',
      'aggregate_performance',
      'lm_latency_ms',
    ],
    aggregation: { lm_latency_ms: 'percentile' },
    alertThresholds: {
      mailbox_depth: { warning: 8, critical: 15, action: 'auto_scale', cooldownMs: 5_000 },
      errors: { warning: 1, critical: 3, action: 'log' },
    },
    log: () => {},
  });
  team.sink.current = monitor;
  dashboard = await createDashboard(monitor, {
    optimizer: trials,
    print: () => {},
    title: 'Live team',
  });
  await team.running.coordinateAgents();
}, 60_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await dashboard?.close();
  monitor?.stop();
  await team?.stop();
});

function flatten(node: SupervisionNode): SupervisionNode[] {
  return [node, ...(node.children ?? []).flatMap(flatten)];
}

async function pageAgents(p: Page) {
  return p.$$eval('#agents tbody tr', (rows) =>
    rows.map((row) => {
      const value = (field: string) =>
        row.querySelector(`[data-field="${field}"]`)?.getAttribute('data-value');
      return {
        agent: row.getAttribute('data-agent'),
        mailboxDepth: Number(value('mailboxDepth')),
        messagesHandled: Number(value('messagesHandled')),
        errors: Number(value('errors')),
        restarts: Number(value('restarts')),
      };
    }),
  );
}

// What the runtime itself reports for each agent, instances summed.
function runtimeAgents() {
  const stats = team.running.stats();
  return AGENTS.map((agent) => {
    const ids = team.running.instances(agent);
    const mine = stats.filter((s) => ids.includes(s.agent) || s.agent === agent);
    const sum = (key: 'mailboxDepth' | 'messagesHandled' | 'errors' | 'restarts') =>
      mine.reduce((total, s) => total + s[key], 0);
    return {
      agent,
      mailboxDepth: sum('mailboxDepth'),
      messagesHandled: sum('messagesHandled'),
      errors: sum('errors'),
      restarts: sum('restarts'),
    };
  }).sort((a, b) => (a.agent < b.agent ? -1 : 1));
}

async function pageTree(p: Page) {
  return p.$$eval('#tree li[data-node]', (items) =>
    items.map((li) => ({
      id: li.getAttribute('data-node'),
      status: li.getAttribute('data-status'),
      restarts: Number(li.getAttribute('data-restarts')),
    })),
  );
}

function runtimeTree() {
  return flatten(team.running.tree()).map((n) => ({
    id: n.id,
    status: n.status,
    restarts: n.restarts,
  }));
}

describe('the dashboard of a real running space, in Chromium', () => {
  it('shows the running space: agent table and supervision tree match the runtime', async () => {
    for (let second = 0; second < 3; second++) {
      team.send('planner', 12, { tokens: 40, lmMs: 20 + second * 10 });
      team.send('coder', 6, { tokens: 300, lmMs: 100 });
      team.send('reviewer', 8, { tokens: 60, lmMs: 40 });
      team.send('tester', 2, { ms: 5 });
      await team.pump(1_000);
    }
    // A browser without the token is refused.
    const stranger = await browser.newPage();
    const refused = await stranger.goto(`http://127.0.0.1:${dashboard.port}/`);
    expect(refused?.status()).toBe(401);
    await stranger.close();
    page = await browser.newPage({ viewport: { width: 1440, height: 1600 } });
    const response = await page.goto(dashboard.url);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#space-name')).toBe('Live team');
    expect(await pageAgents(page)).toEqual(runtimeAgents());
    expect(await pageTree(page)).toEqual(runtimeTree());
    expect(
      await page.$$eval('#topology g[data-node]', (g) => g.map((n) => n.getAttribute('data-node'))),
    ).toEqual(AGENTS);
  }, 60_000);

  it('follows the space as it changes: load, a crash, scaling, rewiring, an optimizer', async () => {
    const crashesBefore = runtimeAgents().find((a) => a.agent === 'tester')?.restarts ?? 0;
    for (let second = 0; second < 5; second++) {
      team.send('planner', 14, { tokens: 40, lmMs: 20 });
      team.send('coder', 16, { tokens: 300, lmMs: 90 + second * 20 });
      team.send('reviewer', 8, { tokens: 60, lmMs: 40 });
      team.send('tester', 2, { ms: 5 });
      if (second === 1) team.send('tester', 4, { fail: true });
      if (second === 3) await team.running.setVariable('wiring', 'ring');
      trials.next({
        trial: second * 2 + 1,
        score: 0.42 + second * 0.05,
        optimizer: 'SIMBA',
        totalTrials: 20,
      });
      trials.next({
        trial: second * 2 + 2,
        score: 0.38 + second * 0.07,
        optimizer: 'SIMBA',
        totalTrials: 20,
      });
      await team.pump(1_000);
      await monitor.settled();
    }
    const expected = runtimeAgents();
    expect(expected.find((a) => a.agent === 'tester')?.restarts).toBe(crashesBefore + 4);
    // The page catches up with the runtime's numbers without a reload.
    const coder = expected.find((a) => a.agent === 'coder');
    await page.waitForSelector(
      `tr[data-agent="coder"] [data-field="messagesHandled"][data-value="${coder?.messagesHandled}"]`,
    );
    await page.waitForSelector(
      `#tree li[data-node="tester"][data-restarts="${crashesBefore + 4}"]`,
    );
    expect(await pageAgents(page)).toEqual(expected);
    expect(await pageTree(page)).toEqual(runtimeTree());
    // Scaled out by the alert's auto_scale, rewired into a ring, and the optimizer charted.
    expect(team.running.instances('coder').length).toBeGreaterThan(1);
    await page.waitForSelector('#tree li[data-node="coder:2"]');
    await page.waitForSelector('#topology-kind >> text=ring');
    await page.waitForSelector('#feed li[data-type="alert-action-applied"]');
    await page.waitForSelector('#timeline li[data-adaptation]');
    await page.waitForSelector('#optimizer .stats >> text="10 / 20"');
    const points = await page.getAttribute('body', 'data-points');
    expect(Number(points)).toBe(monitor.history().length);
    // Insights the monitor drew from these windows reach the page as they fire.
    const insights = monitor.insights().map((i) => i.key);
    expect(insights).toContain('bottleneck_detected:coder');
    expect(insights).toContain('fault_pattern:tester');
    await page.waitForSelector('#feed li[data-kind="insight"][data-type="bottleneck_detected"]');
    await page.waitForSelector('#feed li[data-kind="insight"][data-type="fault_pattern"]');
    await page.screenshot({ path: join(output, 'dashboard-live.png'), fullPage: true });
  }, 60_000);
});
