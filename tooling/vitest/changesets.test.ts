import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packages = new Set(
  readdirSync(`${root}packages`).map(
    (dir) => JSON.parse(readFileSync(`${root}packages/${dir}/package.json`, 'utf8')).name as string,
  ),
);
const changesets = readdirSync(`${root}.changeset`).filter(
  (name) => name.endsWith('.md') && name !== 'README.md',
);

// A Markdown formatter once turned frontmatter into headings, and `changeset version` would have
// refused every file. Each must start with `---`, one `"package": bump` line per package (blank lines allowed), `---`.
it.each(changesets)('.changeset/%s has frontmatter that changesets can read', (name) => {
  const text = readFileSync(`${root}.changeset/${name}`, 'utf8');
  const match = /^---\n((?:[ \t]*\n|["'][^"'\n]+["']: (?:major|minor|patch)\n)+)---\n\s*\S/.exec(
    text,
  );
  expect(match, `${name} starts with a frontmatter block and a summary`).not.toBeNull();
  const named = (match?.[1] ?? '')
    .trim()
    .split('\n')
    .map((line) => line.split(/["']/)[1]);
  for (const pkg of named) expect(packages.has(pkg ?? ''), `${name} names ${pkg}`).toBe(true);
});
