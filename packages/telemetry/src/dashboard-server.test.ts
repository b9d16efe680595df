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

  it('answers only its own Host unless allowedHosts names another (ssh -L to another port)', async () => {
    const monitor = watched();
    const plain = await createDashboard(monitor, { print: () => {} });
    const tunnelled = await createDashboard(monitor, {
      print: () => {},
      allowedHosts: ['localhost:9000', 'Dash.internal'],
    });
    const status = async (port: number, token: string, host: string) => {
      const reply = await rawRequest(
        port,
        `GET /api/state HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      return reply.split('\r\n')[0];
    };
    expect(await status(plain.port, plain.token, 'localhost:9000')).toBe('HTTP/1.1 403 Forbidden');
    expect(await status(plain.port, plain.token, `localhost:${plain.port}`)).toBe(
      'HTTP/1.1 200 OK',
    );
    const t = tunnelled;
    expect(await status(t.port, t.token, 'localhost:9000')).toBe('HTTP/1.1 200 OK');
    expect(await status(t.port, t.token, 'LOCALHOST:9000')).toBe('HTTP/1.1 200 OK');
    expect(await status(t.port, t.token, 'localhost:9001')).toBe('HTTP/1.1 403 Forbidden');
    expect(await status(t.port, t.token, 'dash.internal:8443')).toBe('HTTP/1.1 200 OK');
    expect(await status(t.port, t.token, 'evil.dash.internal:8443')).toBe('HTTP/1.1 403 Forbidden');
    await plain.close();
    await tunnelled.close();
    monitor.stop();
  });

  it('refuses allowedHosts entries that are not hosts, naming the entry', async () => {
    const monitor = watched();
    for (const [entry, path] of [
      ['*', 'allowedHosts.0'],
      ['http://localhost:9000', 'allowedHosts.0'],
      ['localhost:99999', 'allowedHosts.0'],
      ['', 'allowedHosts.0'],
    ] as const) {
      await expect(
        createDashboard(monitor, { print: () => {}, allowedHosts: [entry] }),
      ).rejects.toMatchObject({
        code: 'TELEMETRY_INVALID_OPTIONS',
        message: expect.stringContaining(path),
      });
    }
    await expect(
      createDashboard(monitor, { print: () => {}, allowedHosts: 'localhost:9000' as never }),
    ).rejects.toMatchObject({ code: 'TELEMETRY_INVALID_OPTIONS' });
    monitor.stop();
  });

  it('serves a favicon, so a page load has no 404', async () => {
    const monitor = watched();
    const dashboard = await createDashboard(monitor, { print: () => {} });
    const auth = { authorization: `Bearer ${dashboard.token}` };
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const response = await fetch(`http://127.0.0.1:${dashboard.port}${path}`, { headers: auth });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/svg+xml');
      expect(await response.text()).toContain('<svg');
    }
    await dashboard.close();
    monitor.stop();
  });
});
