/**
 * `pnpm fuzz`: every entry point of every package, many runs per target.
 *
 *   pnpm fuzz [--runs 1000] [--seed 1] [--deadline 1000] [--only core,runtime] [--json out.json]
 *
 * Prints the per-package table, then every failure the known-failures list does not cover and
 * every listed failure that is fixed; exits 1 when there is either.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fuzzEntries } from './supervise';
import { entryPoints } from './targets';
import { describeVerdict, knownFailureEntries, summaryTable, verdict } from './verdict';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    deadline: { type: 'string', default: '1000' },
    only: { type: 'string' },
    json: { type: 'string' },
    'list-known': { type: 'boolean' },
  },
});
const only = values.only?.split(',');
const options = {
  runs: Number(values.runs),
  seed: Number(values.seed),
  deadlineMs: Number(values.deadline),
};

const entries = entryPoints()
  .map((entry) => entry.name)
  .filter((name) => only === undefined || only.includes(name));
const started = Date.now();
const reports = await fuzzEntries(entries, options);
process.stdout.write(
  `fuzzed ${entries.length} entry points in ${Math.round((Date.now() - started) / 1000)} s\n`,
);
if (values.json) writeFileSync(values.json, JSON.stringify(reports, null, 2));
if (values['list-known']) process.stdout.write(`${knownFailureEntries(reports)}\n`);
const result = verdict(reports, true);
process.stdout.write(`\n${summaryTable(reports)}\n\n`);
const text = describeVerdict(result);
if (text) process.stdout.write(`${text}\n`);
process.stdout.write(
  `${result.unexpected.length} new failures, ${result.fixed.length} known failures fixed, ${result.tolerated} known failures seen\n`,
);
process.exitCode = result.unexpected.length > 0 || result.fixed.length > 0 ? 1 : 0;
