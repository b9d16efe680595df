import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// tsx's loader inside the node process itself: its CLI would run the script in a child process,
// and a SIGKILL to the CLI would leave that child running.
const tsxLoader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/**
 * Runs `script` (a path relative to this folder) in its own Node process with `config` as its
 * JSON argument, and resolves once it printed `ready`. Lines it prints later go to `onLine`.
 */
export function spawnScript(
  script: string,
  config: object,
  onLine: (line: string) => void = () => {},
): Promise<ChildProcess> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@varplane/source', '--import', tsxLoader, path, JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let ready = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} not ready:\n${output}`)), 60_000);
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!ready && line === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        } else if (ready) onLine(line);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${script} exited (${code ?? signal}):\n${output}`));
    });
  });
}

/** Kills `child` with SIGKILL and resolves once it is gone. */
export function killHard(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
