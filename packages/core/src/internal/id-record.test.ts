import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError } from '../errors';
import { idRecord } from './id-record';
import { parseOrThrow } from './parse';

const limits = idRecord(idRecord(z.number().nonnegative()));

function refusal(run: () => unknown): InvalidArgumentError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('idRecord', () => {
  it('keeps __proto__, constructor and toString as ordinary keys, where z.record drops one', () => {
    const input = JSON.parse(
      '{"__proto__": {"memory": 5}, "constructor": {"cpu": 2}, "toString": {"__proto__": 3}}',
    );
    expect(z.record(z.string(), z.record(z.string(), z.number())).parse(input)).not.toHaveProperty([
      '__proto__',
      'memory',
    ]);
    const out = limits.parse(input);
    expect(Object.getPrototypeOf(out)).toBe(null);
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.__proto__).toEqual({ memory: 5 });
    expect(out.constructor).toEqual({ cpu: 2 });
    expect(Object.hasOwn(out.toString ?? {}, '__proto__')).toBe(true);
    expect(Object.entries(out.toString ?? {})).toEqual([['__proto__', 3]]);
  });

  it('outputs what the value schema outputs (defaults, transforms)', () => {
    const schema = idRecord(z.object({ weight: z.number().default(1) }));
    expect({ ...schema.parse({ a: {}, b: { weight: 4 } }) }).toEqual({
      a: { weight: 1 },
      b: { weight: 4 },
    });
  });

  it('refuses arrays, null and non-objects with a type issue', () => {
    for (const input of [[], null, 3, 'x', new Map([['a', 1]]), new (class Box {})()]) {
      const result = limits.safeParse(input);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({
        code: 'invalid_type',
        expected: 'record',
        path: [],
      });
    }
    expect(limits.safeParse(Object.create(null)).success).toBe(true);
  });

  it('reports each bad value at its key, under the enclosing path, with its value', () => {
    const schema = z.object({ capacity: limits });
    const error = refusal(() =>
      parseOrThrow(
        schema,
        { capacity: JSON.parse('{"__proto__": {"memory": -1}, "n1": "x"}') },
        { code: 'X_BAD', subject: 'place', prefix: 'options' },
      ),
    );
    expect(error.code).toBe('X_BAD');
    expect(error.issues.map((issue) => [issue.path, issue.value])).toEqual([
      ['options.capacity.__proto__.memory', -1],
      ['options.capacity.n1', 'x'],
    ]);
    expect(error.message).toMatch(/^place: options\.capacity\.__proto__\.memory: .*\(got -1\)/);
  });

  it('checks keys with the key schema, reporting at the key', () => {
    const schema = idRecord(z.number(), { key: z.string().min(1) });
    const result = schema.safeParse({ '': 1, ok: 2 });
    expect(result.error?.issues.map((issue) => [issue.code, issue.path])).toEqual([
      ['too_small', ['']],
    ]);
    expect({ ...schema.parse({ ok: 2 }) }).toEqual({ ok: 2 });
  });

  it('refuses an object with a non-root prototype, and keeps no input unless asked', () => {
    const input = Object.assign(Object.create({ inherited: 1 }), { own: 2 });
    expect(idRecord(z.number()).safeParse(input).success).toBe(false);
    const own = { own: 2 };
    expect({ ...idRecord(z.number()).parse(own) }).toEqual({ own: 2 });
    const issue = idRecord(z.number()).safeParse({ a: 'x' }).error?.issues[0];
    expect(issue?.path).toEqual(['a']);
    expect(issue).not.toHaveProperty('input');
  });

  it('turns a throwing getter or Proxy into a typed refusal through parseOrThrow', () => {
    const getter = new Error('boom');
    const hostile = {
      get n1() {
        throw getter;
      },
    };
    const viaGetter = refusal(() =>
      parseOrThrow(limits, hostile, { code: 'X_BAD', subject: 'f', prefix: 'capacity' }),
    );
    expect(viaGetter.code).toBe('X_BAD');
    expect(viaGetter.message).toBe('f: capacity could not be read (boom)');
    expect(viaGetter.cause).toBe(getter);
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys');
        },
      },
    );
    const viaProxy = refusal(() => parseOrThrow(limits, trap, { code: 'X_BAD', subject: 'f' }));
    expect(viaProxy.message).toBe('f: the input could not be read (no keys)');
    const prototypeTrap = new Proxy(
      {},
      {
        getPrototypeOf() {
          throw new Error('no prototype');
        },
      },
    );
    expect(
      refusal(() => parseOrThrow(limits, prototypeTrap, { code: 'X_BAD', subject: 'f' })).message,
    ).toBe('f: the input could not be read (no prototype)');
  });
});
