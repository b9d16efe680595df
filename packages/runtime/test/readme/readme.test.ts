import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('./example.ts', import.meta.url), 'utf8');

/** The first `ts` block after a heading: what a reader copies. */
function blockAfter(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  const start = readme.indexOf('```ts\n', at) + '```ts\n'.length;
  return readme.slice(start, readme.indexOf('```\n', start));
}

describe('the README example', () => {
  it('is example.ts, which typecheck compiles under the strict tsconfig', () => {
    expect(blockAfter('## Example')).toBe(example);
  });

  it('runs and prints what its comment says', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import('./example');
      expect(log.mock.calls).toEqual([['coder heard hello (#1)']]);
    } finally {
      log.mockRestore();
    }
  });
});
