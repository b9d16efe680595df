import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { LanguageModelResponse } from '@varplane/core';
import { languageModelResponseSchema } from '@varplane/core';
import { z } from 'zod';
import { ReplayError } from './errors';
import { invalidArgument, parseList, parseOptions } from './internal/parse-options';

/** One recorded model call. */
export interface CacheEntry {
  /** SHA-256 of the request's model, messages, parameters and rollout id. */
  readonly key: string;
  /** 0 for the first identical request of a run, 1 for the second... */
  readonly occurrence: number;
  readonly modelId: string;
  /** The request as keyed (no signal, no agent id), kept so a recording can be read. */
  readonly request: Readonly<Record<string, unknown>>;
  readonly response: LanguageModelResponse;
  /** For a streamed call: the text deltas as they came, replayed the same way. */
  readonly deltas?: readonly string[];
}

/** Where a record/replay cache keeps its entries. Every port has an in-memory twin. */
export interface CacheStore {
  /** Every entry, in the order appended. */
  load(): Promise<readonly CacheEntry[]>;
  append(entry: CacheEntry): Promise<void>;
}

export const cacheEntrySchema = z.strictObject({
  key: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hex digest'),
  occurrence: z.int().nonnegative(),
  modelId: z.string(),
  request: z.record(z.string(), z.json()),
  response: languageModelResponseSchema,
  deltas: z.array(z.string()).optional(),
});

function checkEntry(subject: string, entry: unknown): CacheEntry {
  return parseOptions(cacheEntrySchema, entry, subject, 'INVALID_ARGUMENT', 'entry') as CacheEntry;
}

/** An in-memory store, for tests and for a recording kept in one process. */
export interface MemoryCacheStore extends CacheStore {
  entries(): readonly CacheEntry[];
}

/**
 * A cache store in memory.
 *
 * @example
 * const store = createMemoryCacheStore();
 */
export function createMemoryCacheStore(initial: readonly CacheEntry[] = []): MemoryCacheStore {
  // Parsed copies: what is kept is plain JSON, which later clones cannot fail on.
  const entries = parseList(
    cacheEntrySchema,
    initial,
    'createMemoryCacheStore',
    'INVALID_ARGUMENT',
    'initial',
  ) as CacheEntry[];
  return {
    load: async () => entries.map((entry) => structuredClone(entry)),
    append: async (entry) => {
      entries.push(checkEntry('MemoryCacheStore append', entry));
    },
    entries: () => entries.slice(),
  };
}

/**
 * A cache store in a JSON Lines file: one entry a line, appended as calls complete. A missing
 * file is an empty store; a line that is not an entry is a `CACHE_CORRUPT` error naming the line.
 *
 * @example
 * const store = createJsonLinesCacheStore('recordings/qa.jsonl');
 */
export function createJsonLinesCacheStore(path: string): CacheStore {
  if (typeof path !== 'string' || path === '')
    invalidArgument('createJsonLinesCacheStore', 'path', 'must be a file path', path);
  // Appends are chained, so lines land in the order calls completed.
  let tail: Promise<void> = Promise.resolve();
  return {
    async load() {
      await tail;
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries: CacheEntry[] = [];
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          throw new ReplayError({
            code: 'CACHE_CORRUPT',
            message: `${path}:${i + 1}: not JSON (got ${JSON.stringify(line.slice(0, 60))})`,
            key: '',
            modelId: '',
            cause: error,
          });
        }
        const result = cacheEntrySchema.safeParse(value);
        if (!result.success) {
          const issue = result.error.issues[0];
          throw new ReplayError({
            code: 'CACHE_CORRUPT',
            message: `${path}:${i + 1}: not a cache entry: ${issue?.path.join('.') || '(line)'}: ${issue?.message}`,
            key: '',
            modelId: '',
          });
        }
        entries.push(result.data as CacheEntry);
      });
      return entries;
    },
    async append(entry) {
      const line = `${JSON.stringify(checkEntry('JsonLinesCacheStore append', entry))}\n`;
      const written = tail.then(async () => {
        await mkdir(dirname(path), { recursive: true });
        await appendFile(path, line, 'utf8');
      });
      // One failed write must not block the ones after it.
      tail = written.catch(() => undefined);
      return written;
    },
  };
}
