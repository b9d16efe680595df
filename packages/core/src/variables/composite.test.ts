import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { composite } from './composite';

describe('composite', () => {
  it('lists its inputs as dependencies and has no default', () => {
    const variable = composite('budget', {
      dependencies: ['a', 'b'],
      compute: ({ a, b }) => (a as number) + (b as number),
    });
    expect(variable.dependencies).toEqual(['a', 'b']);
    expect(variable.default).toBeUndefined();
    expect(variable.compute({ a: 1, b: 2 })).toBe(3);
  });

  it('rejects a missing compute or dependencies', () => {
    const error = catchVarplaneError(() => composite('c', { dependencies: ['a'] } as never));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain('composite "c": compute');
    expect(catchVarplaneError(() => composite('c', { compute: () => 1 } as never)).code).toBe(
      'VARIABLE_INVALID_OPTIONS',
    );
  });
});
