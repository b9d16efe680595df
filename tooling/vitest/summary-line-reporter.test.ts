import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const config = fileURLToPath(new URL('./fixtures/vitest.config.ts', import.meta.url));
const vitestBin = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

/** Runs one fixture file in a child vitest and resolves with its exit code and last line. */
function runFixture(name: string): Promise<{ status: number | null; lastLine: string }> {
  // The parent run's VITEST_* variables would make the child think it is a worker.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')),
  );
  const child = spawn(process.execPath, [vitestBin, 'run', '--config', config, name], {
    cwd: root,
    env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: 'true' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => {
      resolve({ status, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' });
    });
  });
}

const cases = [
  // 1 test outside the suite passes; the failed hook counts once and its 2 tests as failed.
  { fixture: 'before-all-fails', line: '1 passed, 3 failed', status: 1 },
  { fixture: 'after-all-fails', line: '1 passed, 1 failed', status: 1 },
  { fixture: 'import-fails', line: '0 passed, 1 failed', status: 1 },
  { fixture: 'unhandled-rejection', line: '1 passed, 1 failed', status: 1 },
  { fixture: 'green', line: '2 passed, 0 failed, 1 skipped', status: 0 },
];

describe('the summary line', () => {
  // One child vitest at a time: each takes a few seconds, longer on a loaded machine.
  it.each(cases)(
    '$fixture prints "$line" and exits $status',
    async ({ fixture, line, status }) => {
      const run = await runFixture(`${fixture}.fixture.ts`);
      expect(run.lastLine).toBe(line);
      expect(run.status).toBe(status);
      // The line and the exit code agree: `0 failed` exactly when vitest exits 0.
      expect(/ 0 failed/.test(run.lastLine)).toBe(run.status === 0);
    },
    120_000,
  );
});
