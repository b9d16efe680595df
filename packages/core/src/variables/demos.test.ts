import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { catchVarplaneError } from '../internal/testing';
import { demos } from './demos';

describe('demos', () => {
  const schema = z.object({ question: z.string(), answer: z.string() });

  it('checks and copies the pool and the default', () => {
    const pool = [{ question: 'q', answer: 'a' }];
    const variable = demos('examples', { maxCount: 2, schema, pool, default: pool });
    expect(variable.pool).toEqual(pool);
    expect(variable.pool[0]).not.toBe(pool[0]);
    expect(Object.isFrozen(variable.pool[0])).toBe(true);
    expect(Object.isFrozen(pool[0])).toBe(false);
    expect(variable.schema).toBe(schema);
    expect(demos('e', { maxCount: 1 }).default).toEqual([]);
  });

  it('rejects a pool example that fails the schema, with its path', () => {
    const error = catchVarplaneError(() =>
      demos('examples', {
        maxCount: 2,
        schema,
        pool: [{ question: 'q', answer: 'a' }, { question: 1 } as never],
      }),
    );
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain('demos "examples"');
    expect(error.issues?.[0]?.path).toBe('pool[1].question');
  });

  it('rejects a non-JSON example without a schema', () => {
    const error = catchVarplaneError(() =>
      demos('e', { maxCount: 2, pool: [{ at: new Date(0) } as never] }),
    );
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.issues?.[0]?.path).toBe('pool[0].at');
  });

  it('rejects a default that is too long or invalid', () => {
    const long = catchVarplaneError(() => demos('e', { maxCount: 1, default: [1, 2] }));
    expect(long.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(long.message).toContain('above maxCount 1');
    const bad = catchVarplaneError(() =>
      demos('e', { maxCount: 1, schema, default: [{} as never] }),
    );
    expect(bad.code).toBe('VARIABLE_DEFAULT_INVALID');
  });

  it('rejects a schema that is not a zod schema and a negative maxCount', () => {
    expect(catchVarplaneError(() => demos('e', { maxCount: 1, schema: {} as never })).code).toBe(
      'VARIABLE_INVALID_OPTIONS',
    );
    expect(catchVarplaneError(() => demos('e', { maxCount: -1 })).code).toBe(
      'VARIABLE_INVALID_OPTIONS',
    );
  });

  it('infers the example type from the schema', () => {
    const variable = demos('examples', { maxCount: 1, schema });
    expectTypeOf(variable.pool).toEqualTypeOf<readonly { question: string; answer: string }[]>();
  });
});
