import { type AgentRef, createManualClock, createRandom } from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ActorSystem, createActorSystem } from './actor-system';
import type { Behaviour } from './behaviour';
import { MigrationError } from './errors';
import type { CallOutcome, RemoteTransport, ReplyAddress } from './internal/kernel';

/** Records the ids of the messages it handles; a call is answered with its id. */
type Note = { id: number; call?: boolean };
const recorder: Behaviour<number[], Note> = {
  name: 'recorder',
  init: () => [],
  async handle(note, seen, ctx) {
    await Promise.resolve();
    if (note.call === true) ctx.reply(note.id);
    return [...seen, note.id];
  },
};

/** Two systems, nodes `a` and `b`, joined by an in-memory transport that counts what it carries. */
function twoNodes() {
  const clock = createManualClock();
  const systems = new Map<string, ActorSystem>();
  const carried: string[] = [];
  const transportOf = (from: string): RemoteTransport => ({
    send(ref, message) {
      carried.push(`${from}->${ref.node} send ${ref.id}`);
      const to = systems.get(ref.node);
      if (to === undefined) return false;
      queueMicrotask(() => to.send(ref, message));
      return true;
    },
    call(ref, message, timeoutMs) {
      carried.push(`${from}->${ref.node} call ${ref.id}`);
      const to = systems.get(ref.node);
      if (to === undefined) return Promise.reject(new Error(`no node ${ref.node}`));
      return Promise.resolve().then(() => to.call(ref, message, { timeout: timeoutMs }));
    },
    answer(to: ReplyAddress, outcome: CallOutcome) {
      carried.push(`${from}->${to.node} answer`);
      queueMicrotask(() => systems.get(to.node)?.answer(to, outcome));
    },
  });
  for (const node of ['a', 'b']) {
    systems.set(
      node,
      createActorSystem({ node, clock, random: createRandom(1), transport: transportOf(node) }),
    );
  }
  return { a: systems.get('a') as ActorSystem, b: systems.get('b') as ActorSystem, carried };
}

describe('moving an agent', () => {
  it('suspends after the message in hand, and holds the mail that comes', async () => {
    const system = createActorSystem({ random: createRandom(1) });
    let release: () => void = () => {};
    const slow: Behaviour<number[], number> = {
      name: 'slow',
      init: () => [],
      async handle(n, seen) {
        if (n === 0) await new Promise<void>((resolve) => (release = resolve));
        return [...seen, n];
      },
    };
    const ref = system.spawn(slow, undefined, { id: 'slow' });
    system.send(ref, 0);
    system.send(ref, 1);
    await Promise.resolve();
    let suspended = false;
    const suspending = system.suspend(ref).then(() => (suspended = true));
    system.send(ref, 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(suspended).toBe(false);
    release();
    await suspending;
    await system.whenIdle();
    const snapshot = system.export(ref);
    expect(snapshot.state).toEqual([0]);
    expect(snapshot.mailbox).toEqual([
      { kind: 'cast', message: 1 },
      { kind: 'cast', message: 2 },
    ]);
    system.resume(ref);
    await system.whenIdle();
    expect(system.info(ref)?.messagesHandled).toBe(3);
  });

  it('moves within a system: state, mail, names, links and watchers follow, nothing twice', async () => {
    const system = createActorSystem({ random: createRandom(1) });
    const ref = system.spawn(recorder, undefined, { id: 'old', name: 'scribe' });
    const peer = system.spawn(recorder, undefined, { id: 'peer' });
    system.link(ref, peer);
    const watcher = system.spawn(recorder, undefined, { id: 'watcher' });
    system.monitor(watcher, ref);
    for (let id = 1; id <= 3; id++) system.send(ref, { id });
    const call = system.call<number>(ref, { id: 4, call: true });
    await system.suspend(ref);
    system.send(ref, { id: 5 });
    const snapshot = system.export(ref);
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(snapshot.names).toEqual(['scribe']);
    expect(snapshot.links).toEqual([{ id: 'peer', node: 'local' }]);
    system.send(ref, { id: 6 });
    const moved = system.adopt(snapshot, { behaviour: recorder, id: 'new' });
    system.send(ref, { id: 7 });
    expect(system.forwardOf('old')).toBeUndefined();
    system.release(ref, moved);
    expect(system.forwardOf('old')).toEqual({ id: 'new', node: 'local' });
    expect(system.forwardOf('new')).toBeUndefined();
    expect(() => system.forwardOf(7 as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    system.send(ref, { id: 8 });
    system.send('old', { id: 9 });
    expect(await call).toBe(4);
    await system.whenIdle();
    const probe = await system.call<number>('new', { id: 10, call: true });
    expect(probe).toBe(10);
    await system.whenIdle();
    expect(system.whereis('scribe')?.id).toBe('new');
    expect(system.info('old')).toBeUndefined();
    // Every message once, in the order sent.
    const info = system.info('new');
    expect(info?.messagesHandled).toBe(10);
    // The peer stays linked to the moved agent: killing it takes the peer down.
    system.kill('new');
    await system.whenIdle();
    expect(system.info('peer')).toBeUndefined();
    // And the watcher heard of the moved agent's end, not of the move.
    expect(system.info('watcher')?.messagesHandled).toBe(1);
  });

  it('moves between nodes: refs naming the old node are delivered here, calls answered there', async () => {
    const { a, b, carried } = twoNodes();
    const ref = a.spawn(recorder, undefined, { id: 'w' });
    a.send(ref, { id: 1 });
    const early = a.call<number>(ref, { id: 2, call: true });
    await a.suspend(ref);
    const held = a.call<number>(ref, { id: 3, call: true });
    const snapshot = a.export(ref);
    // After the export: held by the original, then forwarded through the transport.
    const late = a.call<number>(ref, { id: 6, call: true });
    const moved = b.adopt(snapshot, { behaviour: recorder });
    expect(moved).toEqual({ id: 'w', node: 'b' });
    a.release(ref, moved);
    // Sent to the old ref on both nodes: b delivers it itself, a forwards it.
    b.send({ id: 'w', node: 'a' }, { id: 4 });
    a.send(ref, { id: 5 });
    expect(await early).toBe(2);
    expect(await held).toBe(3);
    expect(await late).toBe(6);
    await new Promise((resolve) => setImmediate(resolve));
    await b.whenIdle();
    expect(b.info('w')?.messagesHandled).toBe(6);
    expect(a.info('w')).toBeUndefined();
    // b never asked the transport about an agent it holds.
    expect(carried.filter((c) => c.startsWith('b->') && !c.endsWith('answer'))).toEqual([]);
    expect(carried).toContain('a->b call w');
    expect(carried).toContain('a->b send w');
  });

  it('refuses what cannot be moved, with typed errors', async () => {
    const system = createActorSystem({ random: createRandom(1) });
    const ref = system.spawn(recorder, undefined, { id: 'r' });
    expect(() => system.export(ref)).toThrow(
      expect.objectContaining({ code: 'AGENT_NOT_SUSPENDED' }),
    );
    await system.suspend(ref);
    expect(() => system.release(ref, ref)).toThrow(MigrationError);
    const cyclic: Behaviour<object, unknown> = {
      name: 'cyclic',
      init: () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
      handle: (_m, s) => s,
    };
    const bad = system.spawn(cyclic, undefined);
    await system.suspend(bad);
    expect(() => system.export(bad)).toThrow(
      expect.objectContaining({ code: 'AGENT_NOT_MOVABLE' }),
    );
    const snapshot = system.export(ref);
    expect(() =>
      system.adopt({ ...snapshot, version: 2 } as never, { behaviour: recorder }),
    ).toThrow(expect.objectContaining({ code: 'SNAPSHOT_INVALID' }));
    expect(() => system.adopt(snapshot, { behaviour: cyclic as never, id: 'x' })).toThrow(
      expect.objectContaining({ code: 'SNAPSHOT_INVALID' }),
    );
    expect(() => system.adopt(snapshot, { behaviour: recorder })).toThrow(
      expect.objectContaining({ code: 'AGENT_ALREADY_EXISTS' }),
    );
    expect(() => system.adopt(snapshot, { behaviour: recorder, id: '' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('uses the behaviour snapshot and restore pair', async () => {
    const system = createActorSystem({ random: createRandom(1) });
    const counter: Behaviour<Map<string, number>, string> = {
      name: 'counter',
      init: () => new Map(),
      handle: (key, counts) => new Map(counts).set(key, (counts.get(key) ?? 0) + 1),
      snapshot: (counts) => [...counts.entries()],
      restore: (data) => new Map(data as Array<[string, number]>),
    };
    const ref = system.spawn(counter, undefined, { id: 'c' });
    system.send(ref, 'x');
    system.send(ref, 'x');
    await system.whenIdle();
    await system.suspend(ref);
    const snapshot = system.export(ref);
    expect(snapshot.state).toEqual([['x', 2]]);
    const other = createActorSystem({ random: createRandom(1) });
    const moved = other.adopt(JSON.parse(JSON.stringify(snapshot)), { behaviour: counter });
    other.send(moved, 'x');
    other.send(moved, 'y');
    await other.whenIdle();
    await other.suspend(moved);
    expect(other.export(moved).state).toEqual([
      ['x', 3],
      ['y', 1],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: messages and calls flowing while the agent moves, at random points, between nodes.

type Step =
  | { kind: 'send'; via: 'a' | 'b' }
  | { kind: 'call'; via: 'a' | 'b' }
  | { kind: 'tick' }
  | { kind: 'move' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      via: fc.constantFrom('a' as const, 'b' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('call' as const),
      via: fc.constantFrom('a' as const, 'b' as const),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const) }) },
);

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('moving under traffic (property)', () => {
  it('loses nothing and handles nothing twice, in order, across suspend, export, adopt and release', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (steps) => {
        const { a, b } = twoNodes();
        const seen: number[] = [];
        const logger: Behaviour<null, Note> = {
          name: 'logger',
          async handle(note, state, ctx) {
            await Promise.resolve();
            seen.push(note.id);
            if (note.call === true) ctx.reply(note.id);
            return state;
          },
        };
        const original: AgentRef = a.spawn(logger, null, { id: 'm' });
        let next = 0;
        let moving: Promise<void> | null = null;
        const calls: Array<Promise<[number, unknown]>> = [];
        // Every message goes to the ref the agent had on node a, from either node.
        for (const step of [...steps, { kind: 'move' } as Step]) {
          if (step.kind === 'tick') await tick();
          else if (step.kind === 'move') {
            moving ??= (async () => {
              await a.suspend(original);
              await tick();
              const snapshot = JSON.parse(JSON.stringify(a.export(original)));
              await tick();
              const moved = b.adopt(snapshot, { behaviour: logger });
              await tick();
              a.release(original, moved);
            })();
          } else {
            const id = ++next;
            const system = step.via === 'a' ? a : b;
            if (step.kind === 'send') system.send(original, { id });
            else calls.push(system.call(original, { id, call: true }).then((r) => [id, r]));
          }
        }
        await moving;
        const replies = await Promise.all(calls);
        for (let i = 0; i < 5; i++) {
          await tick();
          await a.whenIdle();
          await b.whenIdle();
        }
        for (const [id, reply] of replies) expect(reply).toBe(id);
        expect([...seen].sort((x, y) => x - y)).toEqual(
          Array.from({ length: next }, (_, i) => i + 1),
        );
        // Each node's own sends keep their order.
        const from = (node: 'a' | 'b') => {
          const ids = new Set<number>();
          let id = 0;
          for (const step of steps) {
            if (step.kind === 'send' || step.kind === 'call') {
              id++;
              if (step.via === node) ids.add(id);
            }
          }
          return seen.filter((n) => ids.has(n));
        };
        for (const node of ['a', 'b'] as const) {
          const order = from(node);
          expect(order).toEqual([...order].sort((x, y) => x - y));
        }
      }),
      { seed: 13, numRuns: 60 },
    );
  });
});
