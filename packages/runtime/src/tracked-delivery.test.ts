import { type AgentRef, createManualClock, createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from './actor-system';
import type { Behaviour } from './behaviour';
import type { RemoteTransport } from './internal/kernel';

/** Awaits each message for a microtask, records what it saw and whether it was a call. */
type Note = { n: number; crash?: boolean; hang?: boolean; reply?: boolean };
function recorder(seen: Array<{ n: number; isCall: boolean; replyThrew: boolean }>) {
  const behaviour: Behaviour<null, Note> = {
    name: 'recorder',
    init: () => null,
    async handle(note, state, ctx) {
      await Promise.resolve();
      if (note.hang) await new Promise(() => {});
      if (note.crash) throw new Error(`crash on ${note.n}`);
      let replyThrew = false;
      if (note.reply) {
        try {
          ctx.reply('no');
        } catch (error) {
          replyThrew = VarplaneError.isInstance(error) && error.code === 'REPLY_OUTSIDE_CALL';
        }
      }
      seen.push({ n: note.n, isCall: ctx.isCall, replyThrew });
      return state;
    },
  };
  return behaviour;
}

/** A transport whose durable queue is a list, resolving each store on the next microtask. */
function durableTransport(): RemoteTransport & { stored: Array<[AgentRef, unknown]> } {
  const stored: Array<[AgentRef, unknown]> = [];
  return {
    stored,
    send: () => true,
    call: () => Promise.reject(new Error('no calls here')),
    async sendAtLeastOnce(ref, message) {
      await Promise.resolve();
      stored.push([ref, message]);
    },
  };
}

describe('deliver: a send that tells when it was handled', () => {
  it('resolves after an async handle returned, in order, and the agent sees a plain send', async () => {
    const seen: Array<{ n: number; isCall: boolean; replyThrew: boolean }> = [];
    const system = createActorSystem({ random: createRandom(1) });
    system.spawn(recorder(seen), undefined, { id: 'r' });
    const settled: number[] = [];
    const all = [1, 2, 3].map((n) =>
      system.deliver('r', { n, reply: n === 2 }).then(() => {
        settled.push(n);
        // Each resolves only once its own handle has returned.
        expect(seen.map((s) => s.n)).toContain(n);
      }),
    );
    await Promise.all(all);
    expect(settled).toEqual([1, 2, 3]);
    expect(seen).toEqual([
      { n: 1, isCall: false, replyThrew: false },
      { n: 2, isCall: false, replyThrew: true },
      { n: 3, isCall: false, replyThrew: false },
    ]);
    await system.shutdown();
  });

  it('rejects with AGENT_CRASHED when handle throws, and AGENT_NOT_RUNNING when killed meanwhile', async () => {
    const system = createActorSystem({ random: createRandom(1) });
    system.spawn(recorder([]), undefined, { id: 'r' });
    await expect(system.deliver('r', { n: 1, crash: true })).rejects.toMatchObject({
      code: 'AGENT_CRASHED',
    });
    system.spawn(recorder([]), undefined, { id: 'r2' });
    const hanging = system.deliver('r2', { n: 2, hang: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    system.kill('r2', 'shutdown');
    await expect(hanging).rejects.toMatchObject({ code: 'AGENT_NOT_RUNNING' });
    await expect(system.deliver('nobody', { n: 3 })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
    await system.shutdown();
  });

  it('rejects with CALL_TIMEOUT when handle outlasts the timeout', async () => {
    const clock = createManualClock();
    const system = createActorSystem({ clock, random: createRandom(1) });
    system.spawn(recorder([]), undefined, { id: 'r' });
    const pending = system.deliver('r', { n: 1, hang: true }, { timeout: 50 });
    await Promise.resolve();
    clock.advance(51);
    await expect(pending).rejects.toMatchObject({ code: 'CALL_TIMEOUT' });
    await expect(system.deliver('r', { n: 1 }, { timeout: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe("send with delivery 'at-least-once'", () => {
  it('goes to the durable queue of the node hosting the agent, from the system and from an agent', async () => {
    const transport = durableTransport();
    const system = createActorSystem({ node: 'a', random: createRandom(1), transport });
    system.spawn(recorder([]), undefined, { id: 'r' });
    expect(system.send('r', { n: 1 }, { delivery: 'at-least-once' })).toBe(true);
    expect(system.send({ id: 'x', node: 'b' }, { n: 2 }, { delivery: 'at-least-once' })).toBe(true);
    const relay: Behaviour<null, string> = {
      name: 'relay',
      init: () => null,
      handle(to, state, ctx) {
        ctx.send(to, { n: 3 }, { delivery: 'at-least-once' });
        return state;
      },
    };
    system.spawn(relay, undefined, { id: 'relay' });
    await system.deliver('relay', 'r');
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(transport.stored).toEqual([
      [{ id: 'r', node: 'a' }, { n: 1 }],
      [{ id: 'x', node: 'b' }, { n: 2 }],
      [{ id: 'r', node: 'a' }, { n: 3 }],
    ]);
    await system.shutdown();
  });

  it('is refused with CLUSTER_REQUIRED without durable queues, and a bad delivery with INVALID_ARGUMENT', () => {
    const plain = createActorSystem({ random: createRandom(1) });
    plain.spawn(recorder([]), undefined, { id: 'r' });
    expect(() => plain.send('r', { n: 1 }, { delivery: 'at-least-once' })).toThrow(
      expect.objectContaining({ code: 'CLUSTER_REQUIRED' }),
    );
    expect(plain.send('r', { n: 1 }, { delivery: 'at-most-once' })).toBe(true);
    expect(() =>
      plain.send('r', { n: 1 }, { delivery: 'exactly-once' as 'at-least-once' }),
    ).toThrow(
      /options\.delivery must be one of at-most-once, at-least-once \(got "exactly-once"\)/,
    );
    expect(() => plain.send('r', { n: 1 }, 7 as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('a tracked send waiting in the mailbox of an agent that moves away is passed on to the new node', async () => {
    const transport = durableTransport();
    const system: ActorSystem = createActorSystem({
      node: 'a',
      random: createRandom(1),
      transport,
    });
    const seen: Array<{ n: number; isCall: boolean; replyThrew: boolean }> = [];
    system.spawn(recorder(seen), undefined, { id: 'r' });
    await system.suspend('r');
    const waiting = system.deliver('r', { n: 7 });
    const snapshot = system.export('r');
    // The snapshot does not carry it: it follows through the durable queue.
    expect(snapshot.mailbox).toEqual([]);
    system.release('r', { id: 'r', node: 'b' });
    await waiting;
    expect(transport.stored).toEqual([[{ id: 'r', node: 'b' }, { n: 7 }]]);
    // Later tracked sends to the old ref follow the forward too.
    await system.deliver('r', { n: 8 });
    expect(transport.stored.at(-1)).toEqual([{ id: 'r', node: 'b' }, { n: 8 }]);
    expect(seen).toEqual([]);
    await system.shutdown();
  });
});
