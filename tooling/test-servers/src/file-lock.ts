import { mkdirSync, rmSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs `work` while holding a lock shared by every process on the machine: vitest runs test files
 * in several workers, and two of them must not unpack a browser or run apt at the same time.
 * A lock older than `staleMs` belongs to a process that died holding it and is taken over.
 */
export async function withFileLock<T>(
  path: string,
  work: () => Promise<T>,
  staleMs = 5 * 60_000,
): Promise<T> {
  for (;;) {
    try {
      mkdirSync(path);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = lockAge(path);
      if (age !== undefined && age > staleMs) rmSync(path, { recursive: true, force: true });
      else await sleep(100);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}

function lockAge(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}
