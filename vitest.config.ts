import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SummaryLineReporter } from './tooling/vitest/summary-line-reporter.ts';

const root = fileURLToPath(new URL('.', import.meta.url));
const listDirs = (group: string) =>
  existsSync(`${root}${group}`)
    ? readdirSync(`${root}${group}`, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
    : [];

// Tests import workspace packages from their sources, so `pnpm test` needs no build first.
// Only the folders under packages/ are aliased: tooling packages resolve through node_modules.
const packageNames = listDirs('packages').join('|');
const packageSources = [
  {
    find: new RegExp(`^@varplane/(${packageNames})$`),
    replacement: `${root}packages/$1/src/index.ts`,
  },
  {
    find: new RegExp(`^@varplane/(${packageNames})/([a-z-]+)$`),
    replacement: `${root}packages/$1/src/$2.ts`,
  },
];

const projectDirs = ['packages', 'apps', 'tooling'].flatMap((group) =>
  listDirs(group).map((name) => `${group}/${name}`),
);

export default defineConfig({
  test: {
    reporters: ['default', new SummaryLineReporter()],
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1] ?? dir,
        root: `${root}${dir}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts', '*.test.ts'],
      },
    })),
  },
  resolve: { alias: packageSources },
});
