/**
 * `pnpm demo`: the varplane demo on its embedded defaults (no server, no API key).
 * `pnpm demo -- --help` lists the options.
 */
import { HELP, parseDemoArgs, UsageError } from './cli';

// A reader that stops early (`pnpm demo | head -3`) closes the pipe: the demo ends quietly then.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// Ctrl+C is how a user ends the demo, not a failure: exit 0 so pnpm prints no failure text. While
// the dashboard is up, Ctrl+C ends the wait instead, and the demo shuts the live team down first.
let endWait: (() => void) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const end = endWait;
    endWait = undefined;
    // A second Ctrl+C while the team shuts down ends the demo at once.
    if (end !== undefined) end();
    else process.exit(0);
  });
}
const untilStopped = () =>
  new Promise<void>((resolve) => {
    endWait = resolve;
  });

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseDemoArgs>;
  try {
    options = parseDemoArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(
      `varplane demo: ${error.message}\nRun pnpm demo -- --help for the options.\n`,
    );
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  // Loaded after the signal handlers are in place, so an early Ctrl+C is quiet too.
  const [{ runDemo }, { createOutput }] = await Promise.all([import('./demo'), import('./output')]);
  const result = await runDemo(options, createOutput(options), { untilStopped });
  if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `varplane demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
