/**
 * Test support for the actor-system tests (not exported): a counter behaviour and a system on a
 * manual clock that records its events.
 */
import { createManualClock, createRandom, type RuntimeEvent } from '@varplane/core';
import { createActorSystem } from '../actor-system';
import type { Behaviour } from '../behaviour';

export type CounterMessage =
  | { type: 'add'; n: number }
  | { type: 'get' }
  | { type: 'boom' }
  | { type: 'silent' };

/** Adds on `add`, answers `get`, crashes on `boom`, ignores `silent` (so a call goes unanswered). */
export const counter: Behaviour<number, CounterMessage, number | undefined> = {
  name: 'counter',
  init: (start) => start ?? 0,
  handle(message, count, ctx) {
    switch (message.type) {
      case 'add':
        return count + message.n;
      case 'get':
        ctx.reply(count);
        return count;
      case 'boom':
        throw new Error('boom');
      case 'silent':
        return count;
    }
  },
};

export function setupSystem() {
  const clock = createManualClock();
  const system = createActorSystem({ clock, random: createRandom(1) });
  const events: RuntimeEvent[] = [];
  system.events$.subscribe((event) => events.push(event));
  return { clock, system, events };
}
