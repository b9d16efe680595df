import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export const OPTIMIZERS = ['all', 'bootstrap', 'simba', 'beacon'] as const;

export const HELP = `varplane demo: a software team run, healed, negotiated and optimized.

Usage: pnpm demo -- [options]

Options:
  --seed <n>          seed of every random choice and of the simulated model (default 7)
  --budget <n>        team runs each optimizer may score (default 500)
  --optimizer <name>  all, bootstrap, simba or beacon (default all)
  --config <file>     load a team configuration written by an earlier run, and score it
  --out <file>        where the optimized team configuration is written (default team-config.json)
  --json              print one JSON document instead of tables
  --dashboard         start the live dashboard and print its URL and token
  --nodes <n>         run the team on n local node processes (3 to 7) of one cluster, move an
                      agent mid-run and kill a node; needs nats-server (apt-get install nats-server);
                      with --dashboard, the dashboard shows the nodes
  --quiet             print only the final table
  -h, --help          show this help

Runs on a simulated language model unless VARPLANE_LM_BASE_URL (with VARPLANE_LM_MODEL and
VARPLANE_LM_API_KEY) points at an OpenAI-compatible server.`;

// Command-line numbers are strings: checked as digits, so `--seed abc` names the problem plainly.
const integer = z
  .string()
  .regex(/^-?\d+$/, 'must be an integer')
  .transform(Number);

const optionsSchema = z.strictObject({
  seed: integer.default(7),
  budget: integer.pipe(z.number().min(10, 'must be at least 10')).default(500),
  optimizer: z.enum(OPTIMIZERS).default('all'),
  config: z.string().min(1).optional(),
  out: z.string().min(1).default('team-config.json'),
  json: z.boolean().default(false),
  dashboard: z.boolean().default(false),
  nodes: integer
    .pipe(z.number().min(3, 'must be at least 3').max(7, 'must be at most 7'))
    .optional(),
  quiet: z.boolean().default(false),
  help: z.boolean().default(false),
});

export type DemoOptions = z.output<typeof optionsSchema>;

/** A bad command line: the message says which option and why. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Reads the command line (without the node and script paths). Relative `--config` and `--out`
 * paths are taken from `cwd`: where the user typed the command (pnpm runs the script in the app's
 * folder and says where it was invoked in `INIT_CWD`).
 */
export function parseDemoArgs(
  argv: readonly string[],
  cwd: string = process.env.INIT_CWD ?? process.cwd(),
): DemoOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      strict: true,
      options: {
        seed: { type: 'string' },
        budget: { type: 'string' },
        optimizer: { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        dashboard: { type: 'boolean' },
        nodes: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const parsed = optionsSchema.safeParse(values, { reportInput: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    const got = issue && 'input' in issue ? ` (got ${JSON.stringify(issue.input)})` : '';
    throw new UsageError(`--${field}: ${issue?.message ?? 'is invalid'}${got}`);
  }
  const options = parsed.data;
  if (options.nodes !== undefined) {
    // The cluster run moves and fails over the live team; it optimizes and scores nothing.
    const unused = ['budget', 'optimizer', 'config', 'out'].filter(
      (name) => values[name] !== undefined,
    );
    if (unused.length > 0) {
      throw new UsageError(
        `--nodes runs the team across nodes without optimizing it: ${unused.map((n) => `--${n}`).join(', ')} cannot go with it`,
      );
    }
  }
  return {
    ...options,
    out: resolve(cwd, options.out),
    ...(options.config === undefined ? {} : { config: resolve(cwd, options.config) }),
  };
}
