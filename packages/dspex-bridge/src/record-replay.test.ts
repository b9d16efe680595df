import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arithmeticTask, sums } from '../test/arithmetic-task';
import { createJsonLinesCacheStore, createMemoryCacheStore } from './cache-store';
import type { ReplayError } from './errors';
import { evaluate, exactMatch } from './evaluate';
import { predict } from './predict';
import { cacheKey, createRecordReplayLanguageModel } from './record-replay';
import { createSimulatedLanguageModel } from './simulated-language-model';

const sim = () =>
  createSimulatedLanguageModel({
    seed: 9,
    tasks: [arithmeticTask],
    responseModel: { all: { baseAccuracy: 0.6 } },
  });
const hello = (content: string) => ({
  messages: [{ role: 'user' as const, content }],
  temperature: 1,
});

describe('createRecordReplayLanguageModel', () => {
  it('records a run to JSON lines and replays it byte for byte, offline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varplane-replay-'));
    const path = join(dir, 'run.jsonl');
    const recorder = createRecordReplayLanguageModel({
      model: sim(),
      store: createJsonLinesCacheStore(path),
      mode: 'record',
    });
    // Samples at a temperature, with a repeated question: the n-th repeat replays the n-th answer.
    const devset = [...sums(12), ...sums(4)];
    const run = (lm: typeof recorder) =>
      evaluate(
        predict('question -> answer', { lm, temperature: 1.2 }),
        devset,
        exactMatch('answer'),
        { concurrency: 1 },
      );
    const recorded = await run(recorder);
    expect(recorder.stats()).toEqual({ hits: 0, misses: 16, recorded: 16 });
    const bytes = await readFile(path, 'utf8');
    expect(bytes.trim().split('\n')).toHaveLength(16);

    const replayer = createRecordReplayLanguageModel({
      model: {
        provider: 'simulated',
        modelId: 'simulated',
        capabilities: { jsonMode: true, structuredOutput: true },
      },
      store: createJsonLinesCacheStore(path),
      mode: 'replay',
    });
    const replayed = await run(replayer);
    expect(replayer.stats()).toEqual({ hits: 16, misses: 0, recorded: 0 });
    expect(JSON.stringify(replayed.results.map((r) => r.prediction))).toBe(
      JSON.stringify(recorded.results.map((r) => r.prediction)),
    );
    expect(replayed.score).toBe(recorded.score);
    expect(await readFile(path, 'utf8')).toBe(bytes);
    const first = JSON.parse(bytes.split('\n')[0] ?? '') as {
      key: string;
      request: Record<string, unknown>;
    };
    expect(first.request).toMatchObject({
      modelId: 'simulated',
      temperature: 1.2,
      responseFormat: 'json',
    });
    expect(first.request).not.toHaveProperty('agentId');
  });

  it('fails a miss in replay mode with REPLAY_MISS and the key', async () => {
    const replayer = createRecordReplayLanguageModel({
      model: { provider: 'simulated', modelId: 'simulated' },
      store: createMemoryCacheStore(),
      mode: 'replay',
    });
    const error = (await replayer
      .generate(hello('never recorded'))
      .catch((e: unknown) => e)) as ReplayError;
    expect(error.code).toBe('REPLAY_MISS');
    expect(error.key).toBe(cacheKey('simulated', hello('never recorded')));
    expect(error.message).toContain("use mode 'auto'");
  });

  it('keys on model, messages, parameters and rollout id, not on the agent', async () => {
    const store = createMemoryCacheStore();
    const lm = createRecordReplayLanguageModel({ model: sim(), store, mode: 'auto' });
    await lm.generate(hello('a'));
    await lm.generate({ ...hello('a'), agentId: 'other' });
    await lm.generate({ ...hello('a'), rolloutId: 'r2' });
    await lm.generate({ ...hello('a'), temperature: 0.5 });
    expect(
      store.entries().map((e) => [e.key === cacheKey('simulated', hello('a')), e.occurrence]),
    ).toEqual([
      [true, 0],
      [true, 1],
      [false, 0],
      [false, 0],
    ]);
    // A fresh wrapper over the same store answers the same sequence from it.
    const again = createRecordReplayLanguageModel({ model: sim(), store, mode: 'auto' });
    await again.generate(hello('a'));
    await again.generate(hello('a'));
    await again.generate(hello('a'));
    expect(again.stats()).toEqual({ hits: 2, misses: 1, recorded: 1 });
    expect(store.entries()).toHaveLength(5);
  });

  it('reports a corrupt line with its number', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varplane-replay-'));
    const path = join(dir, 'bad.jsonl');
    await writeFile(path, '{"key":"x"}\n');
    const lm = createRecordReplayLanguageModel({
      model: { provider: 'p', modelId: 'm' },
      store: createJsonLinesCacheStore(path),
      mode: 'replay',
    });
    await expect(lm.generate(hello('a'))).rejects.toMatchObject({
      code: 'CACHE_CORRUPT',
      message: expect.stringContaining('bad.jsonl:1: not a cache entry: key'),
    });
  });

  it('needs a real model to record', () => {
    expect(() =>
      createRecordReplayLanguageModel({
        model: { provider: 'p', modelId: 'm' },
        store: createMemoryCacheStore(),
        mode: 'auto',
      }),
    ).toThrow(/model: must be a LanguageModel in auto mode/);
  });
});
