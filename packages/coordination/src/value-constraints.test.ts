import { VarplaneError } from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertFeasible,
  constrainValue,
  isAdmissible,
  satisfiesConstraints,
} from './value-constraints';

describe('constrainValue', () => {
  it('clamps to the range and drops float noise', () => {
    expect(constrainValue(0.49000000000000005, { min: 0, max: 2 })).toBe(0.49);
    expect(constrainValue(-3, { min: 0, max: 2 })).toBe(0);
    expect(constrainValue(7, { min: 0, max: 2 })).toBe(2);
  });

  it('snaps to the step counted from min, or from 0 without one', () => {
    expect(constrainValue(7.3, { min: 0, max: 10, step: 2 })).toBe(8);
    expect(constrainValue(7.3, { min: 1, max: 10, step: 2 })).toBe(7);
    expect(constrainValue(0.3, { min: 0.1, max: 0.3, step: 0.1 })).toBe(0.3);
    expect(constrainValue(0.26, { step: 0.05 })).toBe(0.25);
  });

  it('stays inside the range when the nearest step lies outside it', () => {
    expect(constrainValue(9.9, { min: 0, max: 9.5, step: 2 })).toBe(8);
    expect(constrainValue(0.5, { min: 0, max: 0.7, step: 1 })).toBe(0);
  });

  it('moves a number to the nearest allowed number, ties to the smaller', () => {
    expect(constrainValue(0.6, { allowed: [0, 0.5, 1] })).toBe(0.5);
    expect(constrainValue(0.75, { allowed: [0.5, 1] })).toBe(0.5);
    expect(constrainValue(3, { allowed: [1, 2, 5], max: 2 })).toBe(2);
  });

  it('lets an allowed choice through and refuses any other', () => {
    expect(constrainValue('gpt', { allowed: ['gpt', 'claude'] })).toBe('gpt');
    expect(() => constrainValue('llama', { allowed: ['gpt', 'claude'] }, 'model')).toThrow(
      /the value for "model" "llama" is not among constraints.allowed/,
    );
    try {
      constrainValue('llama', { allowed: ['gpt'] });
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'NEGOTIATION_INFEASIBLE')).toBe(true);
      expect((error as { reason: string }).reason).toBe('value_not_allowed');
    }
  });

  it('leaves min, max and step off values that are not numbers', () => {
    expect(constrainValue('fast', { min: 0, max: 1 })).toBe('fast');
  });

  it('holds the constraints for every feasible range, step and value', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: 0, max: 1e3, noNaN: true }),
        fc.option(fc.constantFrom(0.01, 0.1, 0.25, 1, 3, 7.5), { nil: undefined }),
        (value, min, width, step) => {
          const constraints =
            step === undefined ? { min, max: min + width } : { min, max: min + width, step };
          const out = constrainValue(value, constraints);
          expect(satisfiesConstraints(out, constraints)).toBe(true);
          // Constraining twice changes nothing.
          expect(constrainValue(out, constraints)).toBe(out);
        },
      ),
      { seed: 20_240_601, numRuns: 500 },
    );
  });
});

describe('assertFeasible', () => {
  it('refuses min above max with the reason', () => {
    expect(() => assertFeasible({ min: 3, max: 1 }, 'temperature')).toThrow(
      'no value for "temperature" can satisfy constraints.min 3 > constraints.max 1',
    );
  });

  it('refuses an allowed list that nothing in it satisfies', () => {
    try {
      assertFeasible({ allowed: [5, 6], max: 2 });
      expect.fail('should throw');
    } catch (error) {
      expect(VarplaneError.isInstance(error, 'NEGOTIATION_INFEASIBLE')).toBe(true);
      expect((error as { reason: string }).reason).toBe('no_allowed_value');
    }
  });

  it('accepts satisfiable constraints', () => {
    expect(() => assertFeasible({ min: 0, max: 1, step: 0.3, allowed: [0.6, 'x'] })).not.toThrow();
  });
});

describe('isAdmissible', () => {
  it('admits any number while some number is feasible, and only allowed choices', () => {
    expect(isAdmissible(42, { allowed: [1, 2] })).toBe(true);
    expect(isAdmissible(42, { allowed: ['a'] })).toBe(false);
    expect(isAdmissible('a', { allowed: ['a'] })).toBe(true);
    expect(isAdmissible('b', { allowed: ['a'] })).toBe(false);
    expect(isAdmissible({ model: 'x' }, { allowed: [{ model: 'x' }] })).toBe(true);
  });
});
