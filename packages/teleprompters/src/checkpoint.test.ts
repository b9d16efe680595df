import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import {
  CHECKPOINT_FORMAT,
  createFileCheckpointStore,
  createMemoryCheckpointStore,
} from './checkpoint';
import { randomSearch } from './random-search';

const trainset = syntheticExamples(24);
const valset = syntheticExamples(12, 100);
const options = { numTrials: 12, minibatchSize: 6, valset, seed: 4 };

async function codeOf(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
  } catch (error) {
    return VarplaneError.isInstance(error) ? error.code : 'not a varplane error';
  }
  return undefined;
}

describe('checkpoints', () => {
  it('a file checkpoint resumes a finished run without running anything', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'teleprompters-'));
    const path = join(dir, 'search.json');
    const store = createFileCheckpointStore(path);
    expect(await store.load()).toBeUndefined();
    const first = await randomSearch(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
      checkpoint: store,
    }).result;
    const saved = JSON.parse(await readFile(path, 'utf8'));
    expect(saved.format).toBe(CHECKPOINT_FORMAT);
    expect(saved.runs).toHaveLength(first.usage.metricCalls);

    const runner = syntheticRunner();
    const again = await randomSearch(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner,
      checkpoint: createFileCheckpointStore(path),
    }).result;
    expect(runner.calls).toBe(0);
    expect(again.config).toEqual(first.config);
    expect(again.usage).toEqual(first.usage);
  });

  it('refuses a checkpoint of another run, and a corrupt one', async () => {
    const store = createMemoryCheckpointStore();
    await randomSearch(syntheticTeam(), trainset, exactMatch, {
      ...options,
      runner: syntheticRunner(),
      checkpoint: store,
    }).result;
    expect(
      await codeOf(
        () =>
          randomSearch(syntheticTeam(), trainset, exactMatch, {
            ...options,
            seed: 5,
            runner: syntheticRunner(),
            checkpoint: store,
          }).result,
      ),
    ).toBe('CHECKPOINT_MISMATCH');

    const dir = await mkdtemp(join(tmpdir(), 'teleprompters-'));
    const path = join(dir, 'broken.json');
    await writeFile(path, '{"format": "varplane.teleprompters.checkpoint"');
    expect(await codeOf(() => createFileCheckpointStore(path).load())).toBe('CHECKPOINT_CORRUPT');
    await writeFile(path, '{"format": "something else"}');
    expect(await codeOf(() => createFileCheckpointStore(path).load())).toBe('CHECKPOINT_CORRUPT');
  });
});
