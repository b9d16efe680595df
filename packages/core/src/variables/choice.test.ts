import { describe, expect, expectTypeOf, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { choice } from './choice';

describe('choice', () => {
  it('defaults to the first choice and keeps weights', () => {
    const variable = choice('model', { choices: ['a', 'b'], weights: [1, 3] });
    expect(variable).toMatchObject({
      default: 'a',
      choices: ['a', 'b'],
      weights: [1, 3],
      allowCustom: false,
    });
    expect(Object.isFrozen(variable.choices)).toBe(true);
  });

  it('accepts a custom default of a choice type when allowCustom is set', () => {
    expect(choice('model', { choices: ['a', 'b'], allowCustom: true, default: 'c' }).default).toBe(
      'c',
    );
  });

  it('rejects empty choices', () => {
    const error = catchVarplaneError(() => choice('model', { choices: [] }));
    expect(error.code).toBe('VARIABLE_EMPTY_CHOICES');
    expect(error.message).toBe('choice "model": choices must not be empty (got [])');
  });

  it('rejects a duplicate choice, naming it', () => {
    const error = catchVarplaneError(() => choice('model', { choices: ['a', 'b', 'a'] }));
    expect(error.code).toBe('VARIABLE_DUPLICATE_CHOICE');
    expect(error.message).toBe(
      'choice "model": choice "a" appears more than once (got ["a","b","a"])',
    );
    expect(error.issues?.[0]?.path).toBe('choices[2]');
  });

  it('treats 0 and -0 as the same choice', () => {
    expect(catchVarplaneError(() => choice('n', { choices: [0, -0] })).code).toBe(
      'VARIABLE_DUPLICATE_CHOICE',
    );
  });

  it('rejects a default outside the choices', () => {
    const error = catchVarplaneError(() =>
      choice('model', { choices: ['a', 'b'], default: 'c' as 'a' }),
    );
    expect(error.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(error.message).toContain('"c"');
    const wrongType = catchVarplaneError(() =>
      choice('model', { choices: ['a'], allowCustom: true, default: 3 as never }),
    );
    expect(wrongType.code).toBe('VARIABLE_DEFAULT_INVALID');
  });

  it.each([
    ['weights of the wrong length', { choices: ['a', 'b'], weights: [1] }, 'weights'],
    ['weights summing to 0', { choices: ['a', 'b'], weights: [0, 0] }, 'weights'],
    ['a negative weight', { choices: ['a', 'b'], weights: [-1, 2] }, 'weights.0'],
    ['an object choice', { choices: [{}] }, 'choices.0'],
    ['a NaN choice', { choices: [Number.NaN] }, 'choices.0'],
  ])('rejects %s with VARIABLE_INVALID_OPTIONS', (_, options, path) => {
    const error = catchVarplaneError(() => choice('model', options as never));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.issues?.[0]?.path).toBe(path);
  });

  it('infers the literal union of its choices', () => {
    const variable = choice('model', { choices: ['a', 'b'] });
    expectTypeOf(variable.default).toEqualTypeOf<'a' | 'b'>();
    expectTypeOf(variable.choices).toEqualTypeOf<readonly ('a' | 'b')[]>();
  });
});
