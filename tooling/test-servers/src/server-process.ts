import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process a test started; it is stopped by its PID, never by name. */
export interface ServerProcess {
  readonly pid: number;
  /** Its private folder (data, logs), removed by `stop()`. */
  readonly dir: string;
  /** Everything it wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  /** Resolves with the exit code (or null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Sends a signal (SIGKILL by default) without waiting, as a crash test would. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone and its folder removed. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test process that dies must not leave servers behind holding ports.
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export interface SpawnServerOptions {
  command: string;
  args: (dir: string) => string[];
  /** Resolves when the server answers; polled until `timeoutMs`. */
  ready: (process: ServerProcess) => Promise<boolean>;
  timeoutMs?: number;
  /** Keep this folder instead of a fresh one (a restart after a kill keeps its data). */
  dir?: string;
  label: string;
}

export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  installExitHook();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `varplane-${options.label}-`));
  const child = spawn(options.command, options.args(dir), { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-64_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      exitCode = code;
      resolve(code);
    });
    child.once('error', (error) => {
      live.delete(child);
      append(Buffer.from(String(error)));
      exitCode = -1;
      resolve(-1);
    });
  });
  const server: ServerProcess = {
    pid: child.pid ?? -1,
    dir,
    exited,
    output: () => log,
    kill: (signal = 'SIGKILL') => {
      if (exitCode === undefined) child.kill(signal);
    },
    stop: async (graceMs = 5_000) => {
      if (exitCode === undefined) {
        child.kill('SIGTERM');
        const timer = sleep(graceMs).then(() => 'late' as const);
        if ((await Promise.race([exited, timer])) === 'late') child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (exitCode !== undefined) {
      await server.stop();
      throw new Error(`${options.label} exited (${exitCode}) before it was ready:\n${log}`);
    }
    if (await options.ready(server).catch(() => false)) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(
        `${options.label} was not ready after ${options.timeoutMs ?? 15_000} ms:\n${log}`,
      );
    }
    await sleep(25);
  }
}

/** True when the log says the port was taken, so the caller retries with other ports. */
export function lostPortRace(error: unknown): boolean {
  return /address already in use|bind: address/i.test(String(error));
}
