import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SummaryLineReporter } from './tooling/vitest/summary-line-reporter.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import workspace packages from their sources, so `pnpm test` needs no build first.
const packageSources = [
  { find: /^@varplane\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
  { find: /^@varplane\/([a-z-]+)\/([a-z-]+)$/, replacement: `${root}packages/$1/src/$2.ts` },
];

const projectDirs = ['packages', 'apps'].flatMap((group) =>
  existsSync(`${root}${group}`)
    ? readdirSync(`${root}${group}`).map((name) => `${group}/${name}`)
    : [],
);

export default defineConfig({
  test: {
    reporters: ['default', new SummaryLineReporter()],
    projects: projectDirs.map((dir) => ({
      extends: true,
      test: {
        name: dir.split('/')[1] ?? dir,
        root: `${root}${dir}`,
        include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      },
    })),
  },
  resolve: { alias: packageSources },
});
