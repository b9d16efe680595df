import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// tsx's loader inside the node process itself: its CLI would run the script in a child process,
// and a SIGKILL to the CLI would leave that child running.
const tsxLoader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** A node process started by a test, with the cluster events it printed. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** Every `event {...}` line so far, parsed, with the time the test read it. */
  readonly events: Array<Record<string, unknown>>;
  output(): string;
  /** kill -9, and resolves once it is gone. */
  kill(): Promise<void>;
}

/** Starts `script` (a file next to this one) with `config` and resolves once it printed `ready`. */
export function startNodeProcess(script: string, config: object): Promise<NodeProcess> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(
    process.execPath,
    ['--conditions=@varplane/source', '--import', tsxLoader, path, JSON.stringify(config)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let partial = '';
  const events: Array<Record<string, unknown>> = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const handle: NodeProcess = {
    child,
    events,
    output: () => output,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node process not ready:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      if (output.length > 200_000) output = output.slice(-100_000);
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve(handle);
        } else if (line.startsWith('event ')) events.push(JSON.parse(line.slice(6)));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node process exited (${code}):\n${output}`));
    });
  });
}
