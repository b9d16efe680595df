/**
 * Regenerates `fixtures.json`: runs every scenario of `scenarios.ts` on real Erlang/OTP (Debian's
 * `erlang-base`: `escript`) and writes the traces. CI compares varplane against the committed file
 * and needs no Erlang. Run with `pnpm --filter @varplane/runtime otp:fixtures`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scenarios } from './scenarios';

const here = fileURLToPath(new URL('.', import.meta.url));

/** A JSON value as an Erlang term: maps with atom keys, strings as UTF-8 binaries. */
function toTerm(value: unknown): string {
  if (typeof value === 'string') return `<<${JSON.stringify(value)}/utf8>>`;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`not an integer: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(toTerm).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([key, v]) => `'${key}' => ${toTerm(v)}`);
    return `#{${fields.join(', ')}}`;
  }
  throw new Error(`cannot write ${String(value)} as a term`);
}

const dir = mkdtempSync(join(tmpdir(), 'varplane-otp-'));
try {
  const input = join(dir, 'scenarios.terms');
  writeFileSync(input, scenarios.map((s) => `${toTerm(s)}.\n`).join(''));
  const release = execFileSync('erl', [
    '-noshell',
    '-eval',
    'io:format("~s", [erlang:system_info(otp_release)]), halt().',
  ]).toString();
  const output = join(dir, 'traces.json');
  execFileSync('escript', [join(here, 'scenarios.escript'), input, output], { stdio: 'inherit' });
  const traces = JSON.parse(readFileSync(output, 'utf8')) as unknown[];
  const fixture = { otp: release, traces };
  const path = join(here, 'fixtures.json');
  writeFileSync(path, `${JSON.stringify(fixture, null, 2)}\n`);
  // As the repository's formatter has it, so a regeneration that changes nothing shows no diff.
  execFileSync('pnpm', ['exec', 'biome', 'format', '--write', path], { stdio: 'ignore' });
  console.log(`wrote ${traces.length} traces from OTP ${release} to test/otp/fixtures.json`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
