import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { integer } from './integer';

describe('integer', () => {
  it('builds a frozen variable with step 1 by default', () => {
    const variable = integer('retries', { range: [0, 5], default: 2 });
    expect(variable).toMatchObject({ kind: 'integer', range: [0, 5], step: 1, default: 2 });
    expect(Object.isFrozen(variable)).toBe(true);
  });

  it('accepts a default on the step grid', () => {
    expect(integer('batch', { range: [8, 128], step: 8, default: 32 }).step).toBe(8);
  });

  it('rejects an inverted range', () => {
    const error = catchVarplaneError(() => integer('batch', { range: [10, 1], default: 5 }));
    expect(error.code).toBe('VARIABLE_RANGE_INVERTED');
    expect(error.message).toBe('integer "batch": range min 10 is above max 1 (got [10,1])');
  });

  it('rejects a default outside the range or off the step grid', () => {
    const outside = catchVarplaneError(() => integer('n', { range: [0, 5], default: 9 }));
    expect(outside.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(outside.message).toContain('default 9 is outside the range [0, 5] (got 9)');
    const offGrid = catchVarplaneError(() =>
      integer('n', { range: [8, 128], step: 8, default: 30 }),
    );
    expect(offGrid.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(offGrid.message).toContain('default 30 is not 8 plus a multiple of step 8');
  });

  it.each([
    ['a fractional bound', { range: [0.5, 3], default: 1 }],
    ['a fractional default', { range: [0, 3], default: 1.5 }],
    ['a zero step', { range: [0, 3], default: 1, step: 0 }],
    ['a string range', { range: '0..3', default: 1 }],
  ])('rejects %s with VARIABLE_INVALID_OPTIONS', (_, options) => {
    const error = catchVarplaneError(() => integer('n', options as never));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message.startsWith('integer "n": ')).toBe(true);
  });
});
