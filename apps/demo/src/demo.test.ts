import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDemoArgs, UsageError } from './cli';
import { runDemo } from './demo';
import { runLiveTeam } from './live-team';
import { createOutput } from './output';
import { demoModel, softwareTeam } from './software-team';

const silent = createOutput({ quiet: true, json: true });
let folder: string | undefined;

afterAll(async () => {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
});

describe('the demo', () => {
  it('heals the team, agrees a topology, and optimizes it past the baseline; the written configuration reproduces its score', async () => {
    folder = await mkdtemp(join(tmpdir(), 'varplane-demo-'));
    const out = join(folder, 'team.json');
    const first = await runDemo(
      parseDemoArgs(['--seed', '7', '--budget', '120', '--out', out]),
      silent,
    );

    expect(first.simulated).toBe(true);
    expect(first.live).toEqual({
      tasksDone: 4,
      tasksFailed: 0,
      crashes: 1,
      restarts: 1,
      consensusAccepted: true,
    });
    const [baseline, ...optimized] = first.scores;
    expect(baseline?.name).toBe('baseline');
    expect(optimized.map((s) => s.name)).toEqual(['bootstrapFewShot', 'simba', 'beacon']);
    const best = Math.max(...optimized.map((s) => s.score));
    expect(best).toBeGreaterThan(baseline?.score ?? 1);
    expect(first.configPath).toBe(out);

    const written = JSON.parse(await readFile(out, 'utf8'));
    expect(written.spaceId).toBe('software_team');
    const replay = await runDemo(parseDemoArgs(['--seed', '7', '--config', out]), silent);
    expect(replay.scores[1]?.score).toBe(best);
    // The baseline under --config is the team the run started from, not a default team.
    expect(replay.scores[0]?.name).toBe('baseline');
    expect(replay.scores[0]?.score).toBe(baseline?.score);
  }, 120_000);

  it('counts failed tasks as failed and writes no configuration when every model call failed', async () => {
    // A real server that refuses every request: every model call fails, so every task does.
    const server = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'bad key' } }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const saved = { ...process.env };
    process.env.VARPLANE_LM_BASE_URL = `http://127.0.0.1:${port}/v1`;
    process.env.VARPLANE_LM_MODEL = 'refused';
    folder ??= await mkdtemp(join(tmpdir(), 'varplane-demo-'));
    const out = join(folder, 'never.json');
    try {
      const result = await runDemo(
        parseDemoArgs(['--budget', '10', '--optimizer', 'bootstrap', '--out', out]),
        silent,
      );
      expect(result.simulated).toBe(false);
      expect(result.live).toMatchObject({ tasksDone: 0, tasksFailed: 4 });
      for (const score of result.scores) expect(score.failures).toBe(score.runs);
      expect(result.configPath).toBeUndefined();
      await expect(access(out)).rejects.toThrow();
    } finally {
      process.env = saved;
      server.close();
    }
  }, 60_000);

  it('keeps the live team at work while the dashboard is up', async () => {
    const { lm } = demoModel(7);
    let handled = () => 0;
    const live = await runLiveTeam(softwareTeam(lm, []), silent, {
      seed: 7,
      keepRunning: true,
      onStart: (running) => {
        handled = () => running.stats().reduce((sum, s) => sum + s.messagesHandled, 0);
      },
    });
    try {
      const after = handled();
      const deadline = Date.now() + 10_000;
      while (handled() < after + 6 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(handled()).toBeGreaterThanOrEqual(after + 6);
    } finally {
      await live.stop();
    }
  }, 30_000);

  it('ends quietly on Ctrl+C and when its reader stops early (| head -3)', async () => {
    const start = () =>
      spawn(
        process.execPath,
        ['--conditions=@varplane/source', '--import', 'tsx', 'src/main.ts', '--budget', '500'],
        { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'pipe'] },
      );
    const finish = async (child: ReturnType<typeof start>) => {
      let stderr = '';
      child.stderr?.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
      return { code, signal, stderr };
    };
    const interrupted = start();
    const reader = start();
    const firstLine = (child: ReturnType<typeof start>) =>
      new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    await Promise.all([firstLine(interrupted), firstLine(reader)]);
    interrupted.kill('SIGINT');
    reader.stdout?.destroy();
    const [stopped, cut] = await Promise.all([finish(interrupted), finish(reader)]);
    expect(stopped).toEqual({ code: 0, signal: null, stderr: '' });
    expect(cut).toEqual({ code: 0, signal: null, stderr: '' });
  }, 60_000);

  it('refuses bad options with a message that names them', () => {
    expect(() => parseDemoArgs(['--budget', 'lots'])).toThrow(UsageError);
    expect(() => parseDemoArgs(['--budget', 'lots'])).toThrow(/--budget/);
    expect(() => parseDemoArgs(['--optimizer', 'annealing'])).toThrow(/--optimizer/);
    expect(() => parseDemoArgs(['--colour'])).toThrow(/colour/);
    expect(() => parseDemoArgs(['--seed', 'abc'])).toThrow(
      '--seed: must be an integer (got "abc")',
    );
    expect(() => parseDemoArgs(['--budget', '5'])).toThrow('--budget: must be at least 10');
    expect(parseDemoArgs(['--config', 'apps/demo/team-config.json'], '/repo')).toMatchObject({
      config: '/repo/apps/demo/team-config.json',
      out: '/repo/team-config.json',
    });
    expect(parseDemoArgs(['--', '--json', '--seed', '3'])).toMatchObject({
      json: true,
      seed: 3,
      budget: 500,
    });
  });
});
