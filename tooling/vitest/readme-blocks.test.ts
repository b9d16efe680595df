import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';

// Every ```ts block of every README is a program a reader may copy. Each is kept as a file the
// README names just above it (`<!-- file: packages/x/test/readme/y.ts -->`), inside a folder its
// package's tsconfig includes, so `pnpm typecheck` compiles it under the strict settings; this
// test checks the README shows that file verbatim and runs it. A `console.log(...); // value`
// line states what it prints: the logged values are compared with those comments, in order. A
// block that is a test file (`*.test.ts`) is run by its package's tests instead.

const root = fileURLToPath(new URL('../..', import.meta.url));
const readmes = [
  'README.md',
  ...['packages', 'apps'].flatMap((group) =>
    readdirSync(`${root}${group}`)
      .map((dir) => `${group}/${dir}/README.md`)
      .filter((path) => existsSync(`${root}${path}`)),
  ),
];

interface Block {
  readonly readme: string;
  readonly line: number;
  readonly file: string | undefined;
  readonly code: string;
}

function blocksOf(readme: string): Block[] {
  const lines = readFileSync(`${root}${readme}`, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    const named = /^<!-- file: (\S+) -->$/.exec(lines[i - 1] ?? '');
    blocks.push({
      readme,
      line: i + 1,
      file: named?.[1],
      code: `${lines.slice(i + 1, end).join('\n')}\n`,
    });
    i = end;
  }
  return blocks;
}

const blocks = readmes.flatMap(blocksOf);

/** What a `// comment` after a logged value says, against what was logged. */
function shown(value: unknown): string[] {
  if (typeof value === 'string') return [value, JSON.stringify(value)];
  // As a reader sees the data: a null-prototype map prints like any object.
  let plain = value;
  try {
    plain = structuredClone(value);
  } catch {}
  return [inspect(plain, { depth: 8, breakLength: Number.POSITIVE_INFINITY })];
}

function expectedLogs(code: string): string[] {
  return code
    .split('\n')
    .map((line) => /console\.log\(.*\);\s*\/\/ (.+)$/.exec(line)?.[1])
    .filter((comment): comment is string => comment !== undefined);
}

/** The package folder whose tsconfig must include the file, and the folder it sits in. */
function typechecked(file: string): boolean {
  const [group, name, folder] = file.split('/');
  if (group !== 'packages' && group !== 'apps') return false;
  const tsconfig = `${root}${group}/${name}/tsconfig.json`;
  if (!existsSync(tsconfig) || folder === undefined) return false;
  const include = (JSON.parse(readFileSync(tsconfig, 'utf8')) as { include?: string[] }).include;
  return include?.includes(folder) === true;
}

describe.each(blocks)('$readme, the ts block at line $line', (block) => {
  it('is a file its package typechecks, shown verbatim', () => {
    expect(block.file, 'name the file above the block: <!-- file: path -->').toBeDefined();
    const file = block.file as string;
    expect(existsSync(`${root}${file}`), `${file} exists`).toBe(true);
    expect(typechecked(file), `${file} is in a folder its tsconfig includes`).toBe(true);
    expect(block.code).toBe(readFileSync(`${root}${file}`, 'utf8'));
  });

  // A block that is a test file (`*.test.ts`, under a package's test/) runs as that package's test.
  it.skipIf(block.file?.endsWith('.test.ts') === true)(
    'runs, and prints what its comments say',
    { timeout: 30_000 },
    async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        await import(pathToFileURL(`${root}${block.file as string}`).href);
        const logged = log.mock.calls.map((args) => args[0]);
        const expected = expectedLogs(block.code);
        expect(logged.length).toBeGreaterThanOrEqual(expected.length);
        expected.forEach((comment, i) => {
          expect(shown(logged[i]), `console.log #${i + 1}`).toContain(comment);
        });
      } finally {
        log.mockRestore();
      }
    },
  );
});
