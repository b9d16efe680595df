import { createManualClock, createMultiAgentSpace, registerAgent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHandDrivenSpace } from '../test/hand-driven-space';
import { rawRequest } from '../test/raw-request';
import { createDashboard } from './dashboard';
import { startMonitoring } from './monitor';

function watched() {
  const space = createHandDrivenSpace(
    registerAgent(createMultiAgentSpace({ id: 'team' }), { id: 'a', behaviour: 'a' }),
  );
  return startMonitoring(space, { clock: createManualClock(), log: () => {} });
}

describe('the dashboard server (no browser)', () => {
  it('answers 400 to request targets that are not URLs and keeps serving', async () => {
    const monitor = watched();
    const dashboard = await createDashboard(monitor, { print: () => {} });
    for (const target of ['//[', 'http://[', '//[::1', 'http://%']) {
      const reply = await rawRequest(
        dashboard.port,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${dashboard.port}\r\nConnection: close\r\n\r\n`,
      );
      expect(reply.split('\r\n')[0], target).toBe('HTTP/1.1 400 Bad Request');
    }
    const ok = await fetch(`http://127.0.0.1:${dashboard.port}/api/state`, {
      headers: { authorization: `Bearer ${dashboard.token}` },
    });
    expect(ok.status).toBe(200);
    await dashboard.close();
    monitor.stop();
  });

  it('refuses a value that is not a monitor with TELEMETRY_INVALID_OPTIONS', async () => {
    for (const [value, path] of [
      [null, 'monitor'],
      ['monitor', 'monitor'],
      [{}, 'monitor.latest'],
    ] as const) {
      await expect(createDashboard(value as never)).rejects.toMatchObject({
        code: 'TELEMETRY_INVALID_OPTIONS',
        message: expect.stringContaining(`createDashboard: ${path}: must be`),
      });
    }
  });

  it('closes its server when it fails after listening (a print that throws)', async () => {
    const monitor = watched();
    let url = '';
    const failure = await createDashboard(monitor, {
      print: (line) => {
        url = line.replace('varplane dashboard: ', '');
        throw new Error('terminal gone');
      },
    }).catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'SERVER_START_FAILED',
      message: expect.stringContaining('terminal gone'),
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await expect(fetch(url)).rejects.toThrow();
    monitor.stop();
  });
});
