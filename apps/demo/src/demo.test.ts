import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDemoArgs, UsageError } from './cli';
import { runDemo } from './demo';
import { createOutput } from './output';

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
    expect(first.live).toEqual({ tasksDone: 4, crashes: 1, restarts: 1, consensusAccepted: true });
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
  }, 120_000);

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
