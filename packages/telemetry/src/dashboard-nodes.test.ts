import {
  createManualClock,
  createMultiAgentSpace,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import type { Browser } from 'playwright-core';
import { BehaviorSubject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test/chromium';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import type { ClusterNodeStatus } from './cluster-nodes';
import { createDashboard } from './dashboard';
import { startMonitoring } from './monitor';

function watched() {
  const space = createHandDrivenSpace(
    registerAgent(createMultiAgentSpace({ id: 'team' }), { id: 'coder', behaviour: 'coder' }),
  );
  return startMonitoring(space, { clock: createManualClock(), log: () => {} });
}

const threeUp: ClusterNodeStatus[] = [
  { node: 'n1', status: 'up', agents: [{ id: 'planner', epoch: 7 }] },
  { node: 'n2', status: 'up', agents: [{ id: 'coder', epoch: 24 }] },
  { node: 'n3', status: 'up', agents: [{ id: 'tester', epoch: 9 }] },
];
const n3Down: ClusterNodeStatus[] = [
  {
    node: 'n1',
    status: 'up',
    agents: [
      { id: 'planner', epoch: 7 },
      { id: 'tester', epoch: 48 },
    ],
  },
  { node: 'n2', status: 'up', agents: [{ id: 'coder', epoch: 24 }] },
  { node: 'n3', status: 'down', agents: [] },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe('the dashboard nodes view', () => {
  it('serves the latest node list, counts malformed updates without showing them, and refuses a non-observable', async () => {
    const monitor = watched();
    const dashboard = await createDashboard(monitor, { print: () => {} });
    try {
      const api = async () =>
        (
          (await (
            await fetch(`http://127.0.0.1:${dashboard.port}/api/state`, {
              headers: { authorization: `Bearer ${dashboard.token}` },
            })
          ).json()) as { state: { cluster: unknown } }
        ).state.cluster;
      expect(await api()).toBeNull();
      const nodes$ = new BehaviorSubject<readonly ClusterNodeStatus[]>(threeUp);
      dashboard.attachNodes(nodes$);
      expect(await api()).toEqual({ nodes: threeUp, refused: 0 });
      nodes$.next([{ node: 'n1', status: 'sleepy', agents: [] }] as never);
      nodes$.next(n3Down);
      expect(await api()).toEqual({ nodes: n3Down, refused: 1 });
      expect(dashboard.state().cluster).toEqual({ nodes: n3Down, refused: 1 });
      let refusal: unknown;
      try {
        dashboard.attachNodes({ nodes: [] } as never);
      } catch (error) {
        refusal = error;
      }
      expect(VarplaneError.isInstance(refusal, 'TELEMETRY_INVALID_OPTIONS')).toBe(true);
      expect(String((refusal as Error).message)).toMatch(/attachNodes: nodes\$/);
    } finally {
      await dashboard.close();
      monitor.stop();
    }
  });

  it('shows each node, its status and its agents in the page, and follows a node going down', async () => {
    const monitor = watched();
    const dashboard = await createDashboard(monitor, { print: () => {}, frameIntervalMs: 0 });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await page.goto(dashboard.url);
      await page.waitForSelector('body[data-ready="true"]');
      // No cluster attached: no nodes view.
      expect(await page.isHidden('#nodes-card')).toBe(true);
      const nodes$ = new BehaviorSubject<readonly ClusterNodeStatus[]>(threeUp);
      dashboard.attachNodes(nodes$);
      await page.waitForSelector('#nodes tr[data-node="n3"][data-status="up"]');
      const rows = () =>
        page.$$eval('#nodes tbody tr', (trs) =>
          trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
        );
      expect(await rows()).toEqual([
        ['n1', 'up', '1', 'planner (7)'],
        ['n2', 'up', '1', 'coder (24)'],
        ['n3', 'up', '1', 'tester (9)'],
      ]);
      nodes$.next(n3Down);
      await page.waitForSelector('#nodes tr[data-node="n3"][data-status="down"]');
      expect(await rows()).toEqual([
        ['n1', 'up', '2', 'planner (7), tester (48)'],
        ['n2', 'up', '1', 'coder (24)'],
        ['n3', 'down', '0', '-'],
      ]);
      expect(await page.textContent('#nodes-sub')).toBe('3 nodes, 1 down');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await dashboard.close();
      monitor.stop();
    }
  }, 60_000);
});
