import { describe, expect, it } from 'vitest';
import { catchVarplaneError } from '../internal/testing';
import { float } from './float';

describe('float', () => {
  it('builds a frozen variable with defaults filled', () => {
    const variable = float('temperature', { range: [0, 2], default: 0.7 });
    expect(variable).toEqual({
      kind: 'float',
      id: 'temperature',
      description: '',
      constraints: [],
      dependencies: [],
      hints: {},
      default: 0.7,
      range: [0, 2],
      distribution: 'uniform',
    });
    expect(Object.isFrozen(variable)).toBe(true);
    expect(Object.isFrozen(variable.range)).toBe(true);
  });

  it('rounds the default to the precision and normalizes -0', () => {
    expect(float('t', { range: [0, 1], default: 0.456, precision: 2 }).default).toBe(0.46);
    expect(Object.is(float('t', { range: [-1, 1], default: -0 }).default, 0)).toBe(true);
  });

  it('adds the condition variable to the dependencies', () => {
    const variable = float('penalty', {
      range: [0, 1],
      default: 0,
      dependencies: ['model'],
      condition: { variable: 'useTools', when: { equals: true } },
    });
    expect(variable.dependencies).toEqual(['model', 'useTools']);
    expect(variable.condition).toEqual({ variable: 'useTools', when: { equals: true } });
  });

  it('rejects an inverted range with the id and the value in the message', () => {
    const error = catchVarplaneError(() => float('temperature', { range: [3, 1], default: 2 }));
    expect(error.code).toBe('VARIABLE_RANGE_INVERTED');
    expect(error.name).toBe('VariableDefinitionError');
    expect(error.message).toBe('float "temperature": range min 3 is above max 1 (got [3,1])');
    expect(error.issues).toEqual([
      { path: 'range', message: 'range min 3 is above max 1', value: [3, 1] },
    ]);
  });

  it('rejects a default outside the range', () => {
    const error = catchVarplaneError(() => float('temperature', { range: [0, 2], default: 2.5 }));
    expect(error.code).toBe('VARIABLE_DEFAULT_INVALID');
    expect(error.message).toContain('"temperature"');
    expect(error.message).toContain('2.5');
  });

  it('rejects a log distribution that reaches 0', () => {
    const error = catchVarplaneError(() =>
      float('lr', { range: [0, 1], default: 0.1, distribution: 'log' }),
    );
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain('float "lr"');
    expect(error.message).toContain('[0,1]');
  });

  it('rejects a range with no value at the precision', () => {
    const error = catchVarplaneError(() =>
      float('x', { range: [0.11, 0.12], default: 0.115, precision: 1 }),
    );
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain('no value with 1 decimal places');
  });

  it.each([
    ['a NaN bound', { range: [Number.NaN, 1], default: 0 }, 'range.0'],
    ['an infinite bound', { range: [0, Number.POSITIVE_INFINITY], default: 0 }, 'range.1'],
    ['a missing default', { range: [0, 1] }, 'default'],
    ['a fractional precision', { range: [0, 1], default: 0, precision: 1.5 }, 'precision'],
    [
      'an unknown distribution',
      { range: [0, 1], default: 0, distribution: 'normal' },
      'distribution',
    ],
    ['an unknown option', { range: [0, 1], default: 0, defualt: 1 }, ''],
    [
      'a bad hint',
      { range: [0, 1], default: 0, hints: { mutationScale: 2 } },
      'hints.mutationScale',
    ],
    [
      'a bad condition',
      { range: [0, 1], default: 0, condition: { variable: 'a', when: { is: 1 } } },
      'condition.when',
    ],
  ])('rejects %s with VARIABLE_INVALID_OPTIONS', (_, options, path) => {
    const error = catchVarplaneError(() => float('x', options as never));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message.startsWith('float "x": ')).toBe(true);
    expect(error.issues?.[0]?.path).toBe(path);
  });

  it.each([[''], [42], [undefined], ['__proto__']])('rejects the id %j', (id) => {
    const error = catchVarplaneError(() => float(id as string, { range: [0, 1], default: 0 }));
    expect(error.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(error.message).toContain(`(got ${id === undefined ? 'undefined' : JSON.stringify(id)})`);
    expect(error.issues?.[0]?.path).toBe('id');
  });
});
