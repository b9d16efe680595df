import {
  createManualClock,
  createRandom,
  type NegotiationStrategy,
  VarplaneError,
} from '@varplane/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NegotiationError } from '../errors';
import { runStrategy } from './run-strategy';

const strategy: NegotiationStrategy = {
  kind: 'negotiation',
  name: 'subject',
  specificationVersion: 'v1',
  negotiate: () => ({ value: 1, rationale: 'x' }),
};

describe('runStrategy', () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', record);
  });
  afterEach(() => {
    process.off('unhandledRejection', record);
  });

  const options = () => ({ clock: createManualClock(), random: createRandom(1), timeoutMs: 100 });

  it('returns a synchronous result without scheduling a timer', async () => {
    const opts = options();
    await expect(runStrategy(strategy, () => 42, opts)).resolves.toBe(42);
    expect(opts.clock.pending()).toBe(0);
  });

  it('passes a typed error from the strategy through unchanged', async () => {
    const typed = new NegotiationError({
      code: 'NEGOTIATION_INFEASIBLE',
      reason: 'reserve_not_met',
      message: 'no',
    });
    await expect(
      runStrategy(
        strategy,
        () => {
          throw typed;
        },
        options(),
      ),
    ).rejects.toBe(typed);
  });

  it('wraps anything else thrown, even a non-error', async () => {
    const error = await runStrategy(
      strategy,
      () => {
        throw 'a string';
      },
      options(),
    ).catch((e: unknown) => e);
    expect(VarplaneError.isInstance(error, 'STRATEGY_FAILED')).toBe(true);
    expect((error as Error).message).toBe('negotiation strategy "subject" threw: "a string"');
  });

  it('observes a promise that rejects after the timeout, so nothing goes unhandled', async () => {
    const opts = options();
    let rejectLate: (reason: unknown) => void = () => {};
    const run = runStrategy(
      strategy,
      () => new Promise((_, reject) => (rejectLate = reject)),
      opts,
    );
    opts.clock.advance(100);
    await expect(run).rejects.toMatchObject({ code: 'STRATEGY_TIMEOUT' });
    rejectLate(new Error('too late'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
  });

  it('clears its timer when the strategy settles in time', async () => {
    const opts = options();
    await runStrategy(strategy, () => Promise.resolve('done'), opts);
    expect(opts.clock.pending()).toBe(0);
  });

  it('refuses to start when the caller already aborted, and tells the strategy', async () => {
    const controller = new AbortController();
    controller.abort();
    let called = false;
    await expect(
      runStrategy(
        strategy,
        () => {
          called = true;
        },
        { ...options(), signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'OPERATION_ABORTED' });
    expect(called).toBe(false);
  });
});
