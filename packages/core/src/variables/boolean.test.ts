import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { boolean } from './boolean';

describe('boolean', () => {
  it('defaults to false and accepts hints', () => {
    const variable = boolean('useTools', { hints: { importance: 2, tags: ['tools'] } });
    expect(variable).toMatchObject({
      kind: 'boolean',
      default: false,
      hints: { importance: 2, tags: ['tools'] },
    });
    expect(Object.isFrozen(variable.hints)).toBe(true);
  });

  it('rejects a non-boolean default and a non-positive importance', () => {
    expect(catchVarplaneError(() => boolean('b', { default: 'yes' as never })).code).toBe(
      'VARIABLE_INVALID_OPTIONS',
    );
    const error = catchVarplaneError(() => boolean('b', { hints: { importance: 0 } }));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain('boolean "b": hints.importance');
  });
});
