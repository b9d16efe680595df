import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dashboard, RunLogRun, RunLogSummary } from '@varplane/telemetry';
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

  it("feeds every run's coder turns and LM calls to the dashboard's run view (/api/runs)", async () => {
    folder ??= await mkdtemp(join(tmpdir(), 'varplane-demo-'));
    let dashboard: Dashboard | undefined;
    let listed: { runs: RunLogSummary[]; pendingCalls: unknown[] } | undefined;
    let opened: RunLogRun | undefined;
    let scored: RunLogRun | undefined;
    let refused: number | undefined;
    const result = await runDemo(
      parseDemoArgs([
        '--dashboard',
        '--budget',
        '10',
        '--optimizer',
        'bootstrap',
        '--out',
        join(folder, 'dashboard.json'),
      ]),
      silent,
      {
        onDashboard: (d) => {
          dashboard = d;
        },
        // The scene is over when the demo waits for Ctrl+C: what the run view serves then.
        untilStopped: async () => {
          const base = `http://127.0.0.1:${dashboard?.port}`;
          const auth = { authorization: `Bearer ${dashboard?.token}` };
          const get = async <T>(path: string) =>
            (await (await fetch(`${base}${path}`, { headers: auth })).json()) as T;
          listed = await get('/api/runs');
          opened = await get('/api/runs/live-0');
          scored = await get(
            `/api/runs/${encodeURIComponent('scoring baseline:evaluate_team_performance-1')}`,
          );
          refused = (await fetch(`${base}/api/runs`)).status;
        },
      },
    );
    expect(result.live).toMatchObject({ tasksDone: 4, crashes: 1, restarts: 1 });
    expect(refused).toBe(401);
    // Every model call found the turn it was made in: none is left waiting.
    expect(listed?.pendingCalls).toEqual([]);
    const runs = listed?.runs ?? [];
    const ids = runs.map((r) => r.runId);
    // The live scene's four tasks, and runs of the optimizer and of the scoring after it.
    for (const id of ['live-0', 'live-1', 'live-2', 'live-3']) expect(ids).toContain(id);
    // The optimizer's runs, and each scoring's under its own label (each numbers its runs from 1).
    expect(ids.filter((id) => id.startsWith('bootstrap_few_shot')).length).toBeGreaterThan(0);
    const scorings = ['baseline', 'bootstrapFewShot'].map(
      (team) => ids.filter((id) => id.startsWith(`scoring ${team}:`)).length,
    );
    expect(scorings[0]).toBeGreaterThanOrEqual(20);
    expect(scorings[1]).toBe(scorings[0]);
    expect(scored?.turns.flatMap((t) => t.calls.map((c) => c.runId))).toEqual([
      'scoring baseline:evaluate_team_performance-1',
    ]);
    for (const run of runs) {
      expect(run.turns).toBeGreaterThanOrEqual(1);
      // Each turn has the model call it made, and no other run's (the runs overlap in time).
      expect(run.calls).toBe(run.turns);
      expect(run.tokens).toBeGreaterThan(0);
    }
    expect(opened?.agents).toEqual(['python_coder']);
    const [turn] = opened?.turns ?? [];
    expect(turn?.agent).toBe('python_coder');
    expect(turn?.input).toMatchObject({ task: expect.stringMatching(/^python: /) });
    const [call] = turn?.calls ?? [];
    expect(call?.provider).toBe('simulated');
    expect(call?.prompt.some((m) => m.content.includes('python: '))).toBe(true);
    expect(call?.reply).toEqual(expect.any(String));
    expect(call?.usage?.totalTokens).toBeGreaterThan(0);
    expect(call?.endedAt).toBeGreaterThanOrEqual(call?.startedAt ?? Number.POSITIVE_INFINITY);
  }, 120_000);

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
    expect(() => parseDemoArgs(['--nodes', '2'])).toThrow('--nodes: must be at least 3 (got 2)');
    expect(() => parseDemoArgs(['--nodes', '3', '--budget', '50', '--out', 'x.json'])).toThrow(
      '--nodes runs the team across nodes without optimizing it: --budget, --out cannot go with it',
    );
    expect(parseDemoArgs(['--nodes', '3', '--seed', '4'])).toMatchObject({ nodes: 3, seed: 4 });
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
