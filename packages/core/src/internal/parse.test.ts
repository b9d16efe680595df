import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, VarplaneError } from '../errors';
import { parseOrThrow, toIssues } from './parse';

const schema = z.strictObject({ name: z.string(), weight: z.number().min(0) });

function refusal(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('parseOrThrow', () => {
  it('returns the parsed value', () => {
    expect(parseOrThrow(schema, { name: 'a', weight: 1 }, { code: 'X_BAD', subject: 's' })).toEqual(
      { name: 'a', weight: 1 },
    );
  });

  it('names every bad field, rooted at the prefix, with its value', () => {
    const error = refusal(() =>
      parseOrThrow(
        schema,
        { name: 7, weight: -1 },
        { code: 'X_BAD', subject: 'f', prefix: 'opts' },
      ),
    );
    expect(error.code).toBe('X_BAD');
    expect(error.message).toMatch(/^f: opts\.name: .* \(got 7\); opts\.weight: .* \(got -1\)$/);
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['opts.name', 7],
      ['opts.weight', -1],
    ]);
  });

  it('picks the code for the first issue by its raw path', () => {
    const error = refusal(() =>
      parseOrThrow(
        schema,
        { name: 'a', weight: 'x' },
        {
          code: (_issue, segments) => (segments[0] === 'weight' ? 'X_WEIGHT' : 'X_BAD'),
          subject: 'f',
        },
      ),
    );
    expect(error.code).toBe('X_WEIGHT');
  });

  it('refuses an input that cannot be read, keeping what the read threw as the cause', () => {
    const getter = new Error('boom');
    const hostile = {
      get name() {
        throw getter;
      },
    };
    const error = refusal(() => parseOrThrow(schema, hostile, { code: 'X_BAD', subject: 'f' }));
    expect(error.message).toBe('f: the input could not be read (boom)');
    expect(error.cause).toBe(getter);
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw 'no keys';
        },
        get() {
          throw 'no keys';
        },
      },
    );
    const viaProxy = refusal(() =>
      parseOrThrow(schema, trap, { code: 'X_BAD', subject: 'f', prefix: 'options' }),
    );
    expect(viaProxy.message).toBe('f: options could not be read ("no keys")');
    expect(viaProxy.issues).toEqual([{ path: 'options', message: 'could not be read' }]);
  });

  it('throws the error the factory makes', () => {
    class PluginError extends VarplaneError {}
    try {
      parseOrThrow(schema, null, {
        code: 'PLUGIN_BAD',
        subject: 'plugin',
        error: (options) => new PluginError(options),
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PluginError);
      expect((error as PluginError).code).toBe('PLUGIN_BAD');
      expect((error as PluginError).message).toMatch(/^plugin: \(input\): .* \(got null\)$/);
    }
  });
});

describe('toIssues', () => {
  it('keeps dotted paths and the offending input', () => {
    const result = z
      .object({ a: z.array(z.number()) })
      .safeParse({ a: [1, 'x'] }, { reportInput: true });
    expect(result.success).toBe(false);
    if (!result.success)
      expect(toIssues(result.error, 'root')).toEqual([
        { path: 'root.a.1', message: expect.any(String), value: 'x' },
      ]);
  });
});
