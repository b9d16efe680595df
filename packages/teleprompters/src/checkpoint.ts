import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { LanguageModelResponse, TraceRecord } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { CheckpointError } from './errors';
import { reasonOf } from './internal/guard';
import { toIssues } from './internal/parse';

/** The `format` field of every checkpoint. */
export const CHECKPOINT_FORMAT = 'varplane.teleprompters.checkpoint';
export const CHECKPOINT_VERSION = 1;

/** One finished team run, as a checkpoint keeps it. */
export interface CheckpointRun {
  /** Position in the optimizer's sequence of requested runs. */
  readonly seq: number;
  /** A hash of what was run (configuration, example, seed), checked on resume. */
  readonly key: string;
  readonly candidate: number;
  readonly exampleIndex: number;
  readonly seed: number;
  readonly score: number;
  readonly failed: boolean;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly output: unknown;
  readonly traces: readonly TraceRecord[];
  readonly usage: { readonly tokens: number; readonly cost: number };
  readonly messages: number;
  readonly memoryBytes: number;
  readonly durationMs: number;
}

/** One call the optimizer made to its own LM (a rule, an instruction proposal). */
export interface CheckpointLmCall {
  readonly seq: number;
  readonly key: string;
  readonly response: LanguageModelResponse | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/**
 * Everything an optimization has learned, as JSON: the results of the runs and LM calls it made.
 * Resuming replays the optimizer from its seed and answers these from the checkpoint, so a resumed
 * run reaches exactly the result an uninterrupted one would have.
 */
export interface Checkpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: typeof CHECKPOINT_VERSION;
  readonly optimizer: string;
  /** A hash of the seed, options, examples and team: a checkpoint resumes only the same run. */
  readonly fingerprint: string;
  readonly runs: readonly CheckpointRun[];
  readonly lmCalls: readonly CheckpointLmCall[];
}

/** Where checkpoints are kept. Ships with a file store and an in-memory store. */
export interface CheckpointStore {
  load(): Promise<Checkpoint | undefined>;
  save(checkpoint: Checkpoint): Promise<void>;
}

const errorSchema = z.object({ code: z.string(), message: z.string() }).nullable();

const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.literal(CHECKPOINT_VERSION),
  optimizer: z.string(),
  fingerprint: z.string(),
  runs: z.array(
    z.object({
      seq: z.int().nonnegative(),
      key: z.string(),
      candidate: z.int().nonnegative(),
      exampleIndex: z.int().nonnegative(),
      seed: z.number(),
      score: z.number(),
      failed: z.boolean(),
      error: errorSchema,
      output: z.unknown(),
      traces: z.array(
        z.custom<TraceRecord>((value) => typeof value === 'object' && value !== null),
      ),
      usage: z.object({ tokens: z.number(), cost: z.number() }),
      messages: z.number(),
      memoryBytes: z.number(),
      durationMs: z.number(),
    }),
  ),
  lmCalls: z.array(
    z.object({
      seq: z.int().nonnegative(),
      key: z.string(),
      response: z.custom<LanguageModelResponse>().nullable(),
      error: errorSchema,
    }),
  ),
});

/** Checks a loaded checkpoint; a malformed one is a `CheckpointError` (`CHECKPOINT_CORRUPT`). */
export function checkCheckpoint(value: unknown, where: string): Checkpoint {
  let result: ReturnType<typeof checkpointSchema.safeParse>;
  try {
    result = checkpointSchema.safeParse(value, { reportInput: true });
  } catch (error) {
    throw new CheckpointError({
      code: 'CHECKPOINT_CORRUPT',
      message: `checkpoint ${where}: cannot be read: ${reasonOf(error)}`,
      cause: error,
    });
  }
  if (result.success) return result.data as Checkpoint;
  const first = toIssues(result.error)[0];
  throw new CheckpointError({
    code: 'CHECKPOINT_CORRUPT',
    message: `checkpoint ${where}: ${first === undefined ? 'malformed' : `${first.path || '(input)'} ${first.message}`}`,
  });
}

/** A store that keeps the last checkpoint in memory: for tests and short runs. */
export interface MemoryCheckpointStore extends CheckpointStore {
  /** The last checkpoint saved, if any. */
  readonly current: Checkpoint | undefined;
  /** How many saves happened. */
  readonly saves: number;
}

/**
 * An in-memory checkpoint store. The checkpoint goes through JSON on every save, exactly like
 * the file store, so a resume from memory behaves as one from disk.
 */
export function createMemoryCheckpointStore(initial?: Checkpoint): MemoryCheckpointStore {
  let text = initial === undefined ? undefined : toText(checkCheckpoint(initial, 'given'), 'given');
  let saves = 0;
  return {
    get current() {
      return text === undefined ? undefined : (JSON.parse(text) as Checkpoint);
    },
    get saves() {
      return saves;
    },
    async load() {
      return text === undefined ? undefined : checkCheckpoint(JSON.parse(text), 'in memory');
    },
    async save(checkpoint) {
      text = toText(checkpoint, 'in memory');
      saves++;
    },
  };
}

/** A checkpoint as JSON text; a value JSON cannot hold (a cycle, too deep) is refused. */
function toText(checkpoint: unknown, where: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(checkpoint);
  } catch (error) {
    throw new CheckpointError({
      code: 'CHECKPOINT_CORRUPT',
      message: `checkpoint ${where}: cannot be written as JSON: ${reasonOf(error)}`,
      cause: error,
    });
  }
  if (text === undefined) {
    throw new CheckpointError({
      code: 'CHECKPOINT_CORRUPT',
      message: `checkpoint ${where}: must be a checkpoint object (got ${describeValue(checkpoint)})`,
    });
  }
  return text;
}

/**
 * A checkpoint file. Saves write a temporary file and rename it over the old one, so a crash
 * mid-save leaves the previous checkpoint intact. A missing file means "start fresh".
 *
 * @example
 * const checkpoint = createFileCheckpointStore('./simba.checkpoint.json');
 * await simba(space, trainset, metric, { runner, checkpoint }).result;
 */
export function createFileCheckpointStore(path: string): CheckpointStore {
  if (typeof path !== 'string' || path === '') {
    throw new CheckpointError({
      code: 'CHECKPOINT_IO_FAILED',
      message: `createFileCheckpointStore: path must be a non-empty string (got ${describeValue(path)})`,
    });
  }
  const temporary = `${path}.${process.pid}.tmp`;
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CheckpointError({
          code: 'CHECKPOINT_IO_FAILED',
          message: `checkpoint ${path}: cannot read: ${(error as Error).message}`,
          cause: error,
        });
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new CheckpointError({
          code: 'CHECKPOINT_CORRUPT',
          message: `checkpoint ${path}: not JSON: ${(error as Error).message}`,
          cause: error,
        });
      }
      return checkCheckpoint(value, path);
    },
    async save(checkpoint) {
      const text = toText(checkpoint, path);
      try {
        await writeFile(temporary, text);
        await rename(temporary, path);
      } catch (error) {
        await rm(temporary, { force: true });
        throw new CheckpointError({
          code: 'CHECKPOINT_IO_FAILED',
          message: `checkpoint ${path}: cannot write: ${(error as Error).message}`,
          cause: error,
        });
      }
    },
  };
}
