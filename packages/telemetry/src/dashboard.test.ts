import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  createManualClock,
  createMultiAgentSpace,
  type MultiAgentSpace,
  recordAdaptation,
  registerAgent,
} from '@varplane/core';
import type { Browser, Page } from 'playwright-core';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test/chromium';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { createDashboard, type Dashboard } from './dashboard';
import type { OptimizerProgress } from './dashboard-state';
import { type Monitor, startMonitoring } from './monitor';

const output = join(import.meta.dirname, '..', 'test', 'output');
mkdirSync(output, { recursive: true });

function team(): MultiAgentSpace {
  let space = createMultiAgentSpace({
    id: 'support_team',
    name: 'Support team',
    topology: 'star',
    hub: 'triage',
  });
  space = registerAgent(space, { id: 'triage', behaviour: 'triage', role: 'coordinator' });
  space = registerAgent(space, { id: 'billing', behaviour: 'billing' });
  space = registerAgent(space, { id: 'tech', behaviour: 'tech' });
  return space;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 30_000);
afterAll(async () => {
  await browser?.close();
});

describe('createDashboard (hand-driven space, real Chromium)', () => {
  let dashboard: Dashboard;
  let monitor: Monitor;
  let page: Page;
  const clock = createManualClock(Date.UTC(2026, 0, 1, 9, 0, 0));
  const space = createHandDrivenSpace(team());
  const trials = new Subject<OptimizerProgress>();
  const printed: string[] = [];

  beforeAll(async () => {
    monitor = startMonitoring(space, {
      clock,
      alertThresholds: { mailbox_depth: { warning: 20, critical: 40, action: 'log' } },
      log: () => {},
    });
    dashboard = await createDashboard(monitor, {
      optimizer: trials,
      print: (line) => printed.push(line),
    });
    for (const agent of ['triage', 'billing', 'tech']) {
      space.emit({ type: 'agent-started', at: clock.now(), agent, behaviour: agent });
    }
  });
  afterAll(async () => {
    await page?.close();
    await dashboard?.close();
    monitor?.stop();
  });

  it('prints its URL with the token, on 127.0.0.1', () => {
    expect(printed).toEqual([`varplane dashboard: ${dashboard.url}`]);
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{32}$/);
  });

  it('refuses requests without the right token with 401', async () => {
    const base = `http://127.0.0.1:${dashboard.port}`;
    for (const path of [
      '/',
      '/events',
      '/api/state',
      '/assets/dashboard.js',
      `/?token=${'0'.repeat(32)}`,
    ]) {
      const response = await fetch(base + path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="varplane"');
    }
    const ok = await fetch(`${base}/api/state`, {
      headers: { authorization: `Bearer ${dashboard.token}` },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses another Host (DNS rebinding) and answers history queries from the store', async () => {
    const base = `http://127.0.0.1:${dashboard.port}`;
    const auth = { authorization: `Bearer ${dashboard.token}` };
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request(
        `${base}/api/state`,
        { headers: { ...auth, host: `evil.example:${dashboard.port}` } },
        (r) => {
          r.resume();
          resolve(r.statusCode);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    const at = clock.now();
    space.report(at, [{ agent: 'tech', mailboxDepth: 9 }]);
    clock.advance(1_000);
    const response = await fetch(
      `${base}/api/history?series=mailbox_depth&from=${at}&to=${at + 1_000}`,
      {
        headers: auth,
      },
    );
    expect(await response.json()).toEqual([{ at: at + 1_000, series: 'mailbox_depth', value: 9 }]);
  });

  it('renders the agents, the tree and the topology of the space, and follows it live', async () => {
    space.report(clock.now(), [
      { agent: 'triage', mailboxDepth: 2, messagesHandled: 120 },
      { agent: 'billing', mailboxDepth: 7, messagesHandled: 40, errors: 1 },
      { agent: 'tech', mailboxDepth: 0, messagesHandled: 55 },
    ]);
    clock.advance(1_000);
    page = await browser.newPage({ viewport: { width: 1440, height: 1500 } });
    const response = await page.goto(dashboard.url);
    expect(response?.status()).toBe(200);
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForSelector('#charts .uplot');

    const rows = await page.$$eval('#agents tbody tr', (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-agent'),
        depth: tr.querySelector('[data-field="mailboxDepth"]')?.getAttribute('data-value'),
        handled: tr.querySelector('[data-field="messagesHandled"]')?.getAttribute('data-value'),
        errors: tr.querySelector('[data-field="errors"]')?.getAttribute('data-value'),
        state: tr.getAttribute('data-state'),
      })),
    );
    expect(rows).toEqual([
      { id: 'billing', depth: '7', handled: '40', errors: '1', state: 'running' },
      { id: 'tech', depth: '0', handled: '55', errors: '0', state: 'running' },
      { id: 'triage', depth: '2', handled: '120', errors: '0', state: 'running' },
    ]);
    const tree = await page.$$eval('#tree li[data-node]', (lis) =>
      lis.map((li) => li.getAttribute('data-node')),
    );
    expect(tree).toEqual(['support_team', 'billing', 'tech', 'triage']);
    const edges = await page.$$eval('#topology path.edge', (paths) =>
      paths.map((p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')}`).sort(),
    );
    expect(edges).toEqual(['billing>triage', 'tech>triage', 'triage>billing', 'triage>tech']);

    // The space changes: a crash, a restart, a growing mailbox, an adaptation, optimizer trials.
    space.emit({
      type: 'agent-crashed',
      at: clock.now(),
      agent: 'billing',
      error: { name: 'Error', message: 'db down' },
    });
    space.emit({
      type: 'agent-restarted',
      at: clock.now() + 30,
      agent: 'billing',
      restarts: 1,
      delayMs: 30,
    });
    space.report(clock.now() + 500, [
      { agent: 'triage', mailboxDepth: 3, messagesHandled: 180 },
      { agent: 'billing', mailboxDepth: 42, messagesHandled: 44, errors: 2, restarts: 1 },
      { agent: 'tech', mailboxDepth: 1, messagesHandled: 80 },
    ]);
    space.space$.next(
      recordAdaptation(space.space$.value, {
        id: 'scale-1',
        timestamp: clock.now() + 600,
        trigger: 'load_increase',
        operation: 'autoScale',
        changes: [
          {
            variableId: 'billing.instances',
            oldValue: 1,
            newValue: 2,
            affectedAgents: ['billing'],
          },
        ],
        outcome: 'success',
        performanceImpact: 0.12,
      }),
    );
    for (let trial = 1; trial <= 12; trial++) {
      trials.next({
        trial,
        score: 0.5 + 0.3 * Math.sin(trial) ** 2 + trial * 0.01,
        optimizer: 'SIMBA',
        totalTrials: 20,
      });
    }
    clock.advance(1_000);

    await page.waitForSelector(
      'tr[data-agent="billing"] [data-field="mailboxDepth"][data-value="42"]',
    );
    await page.waitForSelector('#tree li[data-node="billing"][data-restarts="1"]');
    await page.waitForSelector('#feed li[data-type="alert-raised"]');
    await page.waitForSelector('#timeline li[data-adaptation="scale-1"]');
    await page.waitForSelector('#optimizer .stats >> text="12 / 20"');
    const rate = await page.getAttribute(
      'tr[data-agent="triage"] [data-field="messagesPerSecond"]',
      'data-value',
    );
    expect(rate).toBe('60');
    expect(await page.textContent('#kpi-alerts')).toBe('1');
    await page.screenshot({ path: join(output, 'dashboard-hand-driven.png'), fullPage: true });
  }, 30_000);

  it("puts crash reasons in the feed and charts an agent's stored history over a range", async () => {
    // The crash of the earlier test reads with its reason, next to the alerts.
    await page.waitForSelector('#feed li[data-kind="event"][data-type="agent-crashed"]');
    expect(
      await page.textContent('#feed li[data-kind="event"][data-type="agent-crashed"] .event-text'),
    ).toBe('billing crashed: Error: db down');
    expect(
      await page.textContent(
        '#feed li[data-kind="event"][data-type="agent-restarted"] .event-text',
      ),
    ).toBe('billing restarted (restart 1, after 30 ms)');
    // A click on billing's row charts billing's mailbox depth from the store, over all it holds.
    await page.selectOption('#history-range', 'all');
    await page.click('tr[data-agent="billing"] td[data-field="id"]');
    await page.selectOption('#history-series', 'agent.mailbox_depth');
    const stored = monitor.query({ series: ['agent.mailbox_depth'], agent: 'billing' });
    expect(stored.length).toBeGreaterThan(1);
    await page.waitForSelector(`#history[data-points="${stored.length}"][data-loading="false"]`);
    expect(await page.textContent('#history-sub')).toContain(
      `billing · agent.mailbox_depth: ${stored.length} points,`,
    );
    // A range that holds only the last window: one point.
    const last = stored.at(-1)?.at as number;
    await page.selectOption('#history-range', 'custom');
    const local = (at: number) => {
      const d = new Date(at);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    };
    await page.fill('#history-from', local(last));
    await page.fill('#history-to', local(last));
    await page.click('#history-load');
    await page.waitForSelector('#history[data-points="1"][data-loading="false"]');
    // The server refuses a query the store cannot answer, in words.
    const bad = await fetch(`http://127.0.0.1:${dashboard.port}/api/history?from=abc`, {
      headers: { authorization: `Bearer ${dashboard.token}` },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('from');
    await page
      .locator('article[aria-labelledby="history-title"]')
      .screenshot({ path: join(output, 'dashboard-history.png') });
  }, 30_000);

  it('charts each optimizer run as its own series, and fits a 760 px window', async () => {
    // BEACON's own scores are low: its best must not be SIMBA's.
    for (const [trial, score] of [
      [1, 0.2],
      [2, 0.3],
      [3, 0.25],
    ] as const) {
      trials.next({ trial, score, optimizer: 'BEACON' });
    }
    await page.waitForSelector('#optimizer .runs li[data-run="2"]');
    const runs = await page.$$eval('#optimizer .runs li', (items) =>
      items.map((li) => ({
        optimizer: li.getAttribute('data-optimizer'),
        trials: Number(li.querySelector('.run-figures')?.getAttribute('data-trials')),
        best: Number(li.querySelector('.run-figures')?.getAttribute('data-best')),
      })),
    );
    const simbaScores = Array.from(
      { length: 12 },
      (_, i) => 0.5 + 0.3 * Math.sin(i + 1) ** 2 + (i + 1) * 0.01,
    );
    const simba = Math.max(...simbaScores);
    expect(runs).toEqual([
      { optimizer: 'SIMBA', trials: 12, best: simba },
      { optimizer: 'BEACON', trials: 3, best: 0.3 },
    ]);
    // A narrow window: nothing wider than the window, the optimizer chart included.
    const narrow = await browser.newPage({ viewport: { width: 760, height: 900 } });
    const missing: string[] = [];
    narrow.on('response', (r) => {
      if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
    });
    await narrow.goto(dashboard.url);
    await narrow.waitForSelector('#optimizer .runs li[data-run="2"]');
    await narrow.waitForSelector('#charts .uplot');
    const widths = await narrow.evaluate<{ page: number; optimizer: number }>(`({
      page: document.documentElement.scrollWidth,
      optimizer: document.querySelector('#optimizer .uplot').getBoundingClientRect().right,
    })`);
    expect(widths.page).toBeLessThanOrEqual(760);
    expect(widths.optimizer).toBeLessThanOrEqual(760);
    // Shrinking a wide page shrinks its charts too.
    await page.setViewportSize({ width: 760, height: 1500 });
    // Polled from outside: the page's CSP (rightly) refuses the eval that waitForFunction needs.
    for (let i = 0; i < 100; i++) {
      if ((await page.evaluate<number>('document.documentElement.scrollWidth')) <= 760) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      760,
    );
    expect(missing).toEqual([]);
    await narrow.screenshot({ path: join(output, 'dashboard-760px.png'), fullPage: true });
    await narrow.close();
  }, 30_000);
});
