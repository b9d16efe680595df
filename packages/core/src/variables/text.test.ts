import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { text } from './text';

describe('text', () => {
  it('keeps the default and candidates, with no upper length by default', () => {
    const variable = text('instruction', { default: 'Answer.', candidates: ['Be brief.'] });
    expect(variable).toMatchObject({
      minLength: 0,
      maxLength: Number.POSITIVE_INFINITY,
      candidates: ['Be brief.'],
    });
  });

  it('rejects inverted lengths, a default or candidate of the wrong length, duplicates', () => {
    const inverted = catchVarplaneError(() =>
      text('t', { default: 'a', minLength: 5, maxLength: 2 }),
    );
    expect(inverted.code).toBe('VARIABLE_RANGE_INVERTED');
    expect(inverted.message).toBe('text "t": minLength 5 is above maxLength 2 (got [5,2])');
    const long = catchVarplaneError(() => text('t', { default: 'abcdef', maxLength: 3 }));
    expect(long.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(long.message).toContain('(got "abcdef")');
    const candidate = catchVarplaneError(() =>
      text('t', { default: 'ab', maxLength: 3, candidates: ['ok', 'too long'] }),
    );
    expect(candidate.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(candidate.issues?.[0]).toMatchObject({ path: 'candidates[1]', value: 'too long' });
    const duplicate = catchVarplaneError(() => text('t', { default: 'a', candidates: ['x', 'x'] }));
    expect(duplicate.code).toBe('VARIABLE_DUPLICATE_CHOICE');
  });

  it('requires a string default', () => {
    expect(catchVarplaneError(() => text('t', {} as never)).code).toBe('VARIABLE_INVALID_OPTIONS');
  });
});
