import { createRandom, InvalidArgumentError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffOptionsSchema } from './backoff';
import { BudgetExhaustedError } from './errors';
import { createDecider, defaultDecider } from './restart-decisions';
import { createRestartWindow, recordRestart } from './restart-intensity';

describe('decisions by error class', () => {
  it('backs off rate limits, resumes bad input, stops on budgets, restarts the rest', () => {
    expect(defaultDecider(Object.assign(new Error('slow down'), { status: 429 }), 'a')).toBe(
      'backoff',
    );
    expect(defaultDecider({ code: 'RATE_LIMITED' }, 'a')).toBe('backoff');
    expect(
      defaultDecider(new InvalidArgumentError({ code: 'INVALID_ARGUMENT', message: 'bad' }), 'a'),
    ).toBe('resume');
    expect(defaultDecider(new BudgetExhaustedError('a', 'tokens', 5, 0), 'a')).toBe('stop');
    expect(defaultDecider(new Error('boom'), 'a')).toBe('restart');
    expect(defaultDecider('a string', 'a')).toBe('restart');
  });

  it('matches rules in order, every given field at once', () => {
    const decide = createDecider(
      [
        { match: { instanceOf: TypeError, code: 'E1' }, decision: 'stop' },
        { match: { name: ['SyntaxError', 'RangeError'] }, decision: 'resume' },
        { match: { test: (e) => String(e).includes('panic') }, decision: 'escalate' },
      ],
      'backoff',
    );
    expect(decide(Object.assign(new TypeError('x'), { code: 'E1' }), 'a')).toBe('stop');
    expect(decide(new TypeError('x'), 'a')).toBe('backoff');
    expect(decide(new RangeError('x'), 'a')).toBe('resume');
    expect(decide('kernel panic', 'a')).toBe('escalate');
  });
});

describe('backoff', () => {
  it('grows by the factor up to the cap, and jitters within its spread', () => {
    const exact = backoffOptionsSchema.parse({
      initialMs: 100,
      factor: 2,
      maxMs: 1_000,
      jitter: 0,
    });
    const random = createRandom(1);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, exact, random))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    const jittered = backoffOptionsSchema.parse({
      initialMs: 100,
      factor: 2,
      maxMs: 10_000,
      jitter: 0.5,
    });
    for (let i = 0; i < 100; i++) {
      const delay = backoffDelay(3, jittered, random);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(600);
    }
  });
});

describe('restart intensity', () => {
  it('allows `intensity` restarts within any period, and forgets older ones', () => {
    const window = createRestartWindow(2, 1_000);
    expect(recordRestart(window, 0)).toBe(true);
    expect(recordRestart(window, 500)).toBe(true);
    expect(recordRestart(window, 999)).toBe(false);
    const later = createRestartWindow(2, 1_000);
    expect([0, 600, 1_200, 1_800, 2_400].map((t) => recordRestart(later, t))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('counts a restart exactly `periodMs` ago, as OTP does', () => {
    const window = createRestartWindow(2, 1_000);
    expect([0, 500, 1_000].map((t) => recordRestart(window, t))).toEqual([true, true, false]);
    const after = createRestartWindow(2, 1_000);
    expect([0, 500, 1_001].map((t) => recordRestart(after, t))).toEqual([true, true, true]);
  });
});
