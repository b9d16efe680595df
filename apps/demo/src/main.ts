/**
 * `pnpm demo`: the varplane demo on its embedded defaults (no server, no API key).
 * `pnpm demo -- --help` lists the options.
 */
import { HELP, parseDemoArgs, UsageError } from './cli';
import { runDemo } from './demo';
import { createOutput } from './output';

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
  const result = await runDemo(options, createOutput(options));
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
