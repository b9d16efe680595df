import { createManualClock, createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from '../actor-system';
import type { Behaviour } from '../behaviour';
import { CallTimeoutError } from '../errors';

/** Answers `echo` calls; never answers `hold` (it defers and forgets). */
const agent: Behaviour<null, string> = {
  name: 'agent',
  handle(message, state, ctx) {
    if (message === 'hold') ctx.deferReply();
    else ctx.reply(message);
    return state;
  },
};

/** Lets promise callbacks run (a macrotask: real, not on the manual clock). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup() {
  const clock = createManualClock();
  const system = createActorSystem({ clock, random: createRandom(1), callTimeoutMs: 1_000 });
  system.spawn(agent, null, { id: 'agent' });
  return { clock, system };
}

describe('call deadlines on one timer', () => {
  it('times out each call at its own deadline, whatever their timeouts', async () => {
    const { clock, system } = setup();
    const outcomes: string[] = [];
    const track = (label: string, call: Promise<unknown>) =>
      call.then(
        () => outcomes.push(`${label} answered at ${clock.now()}`),
        (error: unknown) =>
          outcomes.push(
            `${label} ${error instanceof CallTimeoutError ? `timed out after ${error.timeoutMs}` : 'failed'} at ${clock.now()}`,
          ),
      );
    const all = [
      track('a', system.call('agent', 'hold', { timeout: 300 })),
      track('b', system.call('agent', 'hold', { timeout: 100 })),
      track('c', system.call('agent', 'hold')),
      track('d', system.call('agent', 'echo', { timeout: 50 })),
    ];
    await system.whenIdle();
    for (const step of [50, 50, 199, 1, 699]) {
      clock.advance(step);
      await settled();
    }
    expect(outcomes).toEqual([
      'd answered at 0',
      'b timed out after 100 at 100',
      'a timed out after 300 at 300',
    ]);
    clock.advance(1);
    await Promise.all(all);
    expect(outcomes.at(-1)).toBe('c timed out after 1000 at 1000');
  });

  it('holds one timer for any number of calls in flight', async () => {
    const { clock, system } = setup();
    const calls = Array.from({ length: 1_000 }, (_, i) =>
      system.call('agent', 'hold', { timeout: 1_000 + (i % 3) * 500 }).catch((e: unknown) => e),
    );
    await system.whenIdle();
    expect(clock.pending()).toBe(1);
    clock.advance(2_000);
    const errors = await Promise.all(calls);
    expect(errors.every((e) => e instanceof CallTimeoutError)).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  it('lets an answered call go at once, and does not fire it later', async () => {
    const { clock, system } = setup();
    for (let i = 0; i < 100; i++) {
      expect(await system.call('agent', `echo ${i}`)).toBe(`echo ${i}`);
      clock.advance(10);
    }
    // The timer armed by the first call fires once, finds nothing due, and is not armed again.
    clock.advance(1_000);
    expect(clock.pending()).toBe(0);
    // And a later call arms it again.
    const late = system.call('agent', 'hold', { timeout: 5 });
    await system.whenIdle();
    expect(clock.pending()).toBe(1);
    clock.advance(5);
    await expect(late).rejects.toBeInstanceOf(CallTimeoutError);
  });
});
