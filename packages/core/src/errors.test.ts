import { describe, expect, it } from 'vitest';
import { ConfigurationError, describeValue, formatIssues, VarplaneError } from './errors';

describe('VarplaneError', () => {
  it('carries a stable code, a cause and its family name', () => {
    const cause = new Error('root');
    const error = new ConfigurationError({
      code: 'CONFIGURATION_INVALID',
      message: 'bad',
      cause,
      issues: [],
    });
    expect(error.code).toBe('CONFIGURATION_INVALID');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('ConfigurationError');
    expect(error).toBeInstanceOf(VarplaneError);
  });

  it('is recognised across two copies of the package, by the shared symbol', () => {
    // A second copy of the class has its own prototype chain but the same registered symbol.
    const foreign = Object.assign(new Error('x'), {
      code: 'STRATEGY_NOT_FOUND',
      [Symbol.for('varplane.error')]: true,
    });
    expect(foreign instanceof VarplaneError).toBe(false);
    expect(VarplaneError.isInstance(foreign)).toBe(true);
    expect(VarplaneError.isInstance(foreign, 'STRATEGY_NOT_FOUND')).toBe(true);
    expect(VarplaneError.isInstance(foreign, 'OTHER')).toBe(false);
    expect(VarplaneError.isInstance(new Error('plain'))).toBe(false);
    expect(VarplaneError.isInstance(null)).toBe(false);
  });

  it('formats issues with their paths and values', () => {
    expect(
      formatIssues([
        { path: 'temperature', message: 'too high', value: 3 },
        { path: '', message: 'bad' },
      ]),
    ).toBe('temperature: too high (got 3); (input): bad');
    expect(describeValue('x'.repeat(100))).toHaveLength(62);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });
});
