import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../behaviour';
import { type CounterMessage, counter, setupSystem as setup } from './system-fixture';

describe('hot swap', () => {
  interface V1State {
    seen: number[];
  }
  interface V2State {
    seenByV1: number[];
    seenByV2: number[];
  }
  const v1: Behaviour<V1State, number | 'get'> = {
    name: 'v1',
    version: '1',
    init: () => ({ seen: [] }),
    async handle(message, state, ctx) {
      await Promise.resolve();
      if (message === 'get') {
        ctx.reply(state);
        return state;
      }
      return { seen: [...state.seen, message] };
    },
  };
  const v2: Behaviour<V2State, number | 'get'> = {
    name: 'v2',
    version: '2',
    codeChange(old, from) {
      if (from.name !== 'v1' || from.version !== '1') throw new Error('unexpected origin');
      return { seenByV1: (old as V1State).seen, seenByV2: [] };
    },
    handle(message, state, ctx) {
      if (message === 'get') {
        ctx.reply(state);
        return state;
      }
      return { ...state, seenByV2: [...state.seenByV2, message] };
    },
  };

  it('hands the next message to the new behaviour, losing and repeating none', async () => {
    const { system, events } = setup();
    const ref = system.spawn(v1, undefined);
    for (let i = 0; i < 50; i++) system.send(ref, i);
    await Promise.resolve();
    await Promise.resolve();
    const swapped = system.hotSwap(ref, v2);
    for (let i = 50; i < 100; i++) system.send(ref, i);
    await swapped;
    const state = await system.call<V2State>(ref, 'get');
    const all = [...state.seenByV1, ...state.seenByV2];
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(state.seenByV1.length).toBeGreaterThan(0);
    expect(state.seenByV2.length).toBeGreaterThan(50);
    expect(events.filter((e) => e.type === 'agent-swapped')).toEqual([
      { type: 'agent-swapped', at: 0, agent: ref.id, behaviour: 'v2' },
    ]);
  });

  it('keeps the old behaviour and state when codeChange throws', async () => {
    const { system } = setup();
    const ref = system.spawn(counter, 5);
    const broken: Behaviour<number, CounterMessage> = {
      ...counter,
      name: 'broken',
      codeChange() {
        throw new Error('cannot migrate');
      },
    };
    await expect(system.hotSwap(ref, broken)).rejects.toMatchObject({ code: 'CODE_CHANGE_FAILED' });
    system.send(ref, { type: 'add', n: 1 });
    expect(await system.call(ref, { type: 'get' })).toBe(6);
    expect(system.info(ref)?.behaviour).toBe('counter');
  });
});
