import { createManualClock, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from './actor-system';
import type { Behaviour, ExitMessage } from './behaviour';
import { type CounterMessage, counter, setupSystem as setup } from './internal/system-fixture';

describe('messaging', () => {
  it('handles casts in order and answers calls with the current state', async () => {
    const { system } = setup();
    const ref = system.spawn(counter, 10);
    for (let i = 1; i <= 5; i++) expect(system.send(ref, { type: 'add', n: i })).toBe(true);
    await expect(system.call(ref, { type: 'get' })).resolves.toBe(25);
    expect(system.info(ref)).toMatchObject({ status: 'running', messagesHandled: 6, errors: 0 });
  });

  it('rejects a call with CALL_TIMEOUT when no reply comes in time', async () => {
    const { system, clock } = setup();
    const slow: Behaviour<null, unknown> = {
      name: 'slow',
      handle(_message, state, ctx) {
        ctx.deferReply();
        return state;
      },
    };
    const ref = system.spawn(slow, null);
    const reply = system.call(ref, 'hello', { timeout: 250 });
    await system.whenIdle();
    clock.advance(249);
    let settled = false;
    reply.catch(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(reply).rejects.toMatchObject({ code: 'CALL_TIMEOUT', timeoutMs: 250 });
  });

  it('rejects a call with AGENT_CRASHED when the handler throws, and keeps the cause', async () => {
    const { system } = setup();
    const ref = system.spawn(counter, 0);
    const error = await system.call(ref, { type: 'boom' }).catch((e: unknown) => e);
    expect(VarplaneError.isInstance(error, 'AGENT_CRASHED')).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect(((error as Error).cause as Error).message).toBe('boom');
  });

  it('rejects a call the handler did not answer with CALL_NOT_ANSWERED', async () => {
    const { system } = setup();
    const ref = system.spawn(counter, 0);
    await expect(system.call(ref, { type: 'silent' })).rejects.toMatchObject({
      code: 'CALL_NOT_ANSWERED',
    });
  });

  it('gives typed errors for unknown, stopped and malformed targets', async () => {
    const { system } = setup();
    await expect(system.call('nobody', { type: 'get' })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
    expect(system.send('nobody', 1)).toBe(false);
    expect(system.deadLetters()).toBe(1);
    const ref = system.spawn(counter, 0);
    await system.stop(ref);
    await expect(system.call(ref, { type: 'get' })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
    expect(() => system.send(42 as never, 1)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    await expect(system.call(ref, 1, { timeout: -5 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(system.call({ id: 'x', node: 'far-away' }, 1)).rejects.toThrow(
      /@varplane\/cluster/,
    );
  });

  it('finds agents by id, whatever the id looks like, through stops and respawns', async () => {
    const { system } = setup();
    // Ids that name Object.prototype members or array indices, looked up by equal strings that are
    // not the strings they were spawned with.
    const ids = ['constructor', '__proto__', 'toString', '42', '0', 'hasOwnProperty', 'a.b:c-d_e'];
    const fresh = (id: string) => [...id].join('');
    for (const [i, id] of ids.entries()) system.spawn(counter, i, { id });
    for (const [i, id] of ids.entries()) {
      expect(system.send(fresh(id), { type: 'add', n: 100 })).toBe(true);
      await expect(system.call(fresh(id), { type: 'get' })).resolves.toBe(i + 100);
    }
    expect(system.list().map((info) => info.id)).toEqual(ids);

    for (const unknown of ['valueOf', '__defineGetter__', '7', 'constructorx']) {
      expect(system.send(unknown, 1)).toBe(false);
      await expect(system.call(unknown, { type: 'get' })).rejects.toMatchObject({
        code: 'AGENT_NOT_FOUND',
      });
      expect(system.info(unknown)).toBeUndefined();
    }

    // Stopped after being found by id: it is gone by that id, and a new agent can take the id.
    await system.stop('toString');
    expect(system.send(fresh('toString'), { type: 'add', n: 1 })).toBe(false);
    await expect(system.call(fresh('toString'), { type: 'get' })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
    system.spawn(counter, 7, { id: 'toString' });
    await expect(system.call(fresh('toString'), { type: 'get' })).resolves.toBe(7);
    expect(system.list().map((info) => info.id)).toEqual([
      ...ids.filter((id) => id !== 'toString'),
      'toString',
    ]);
  });

  it('rejects calls still queued when their agent stops, with AGENT_NOT_RUNNING', async () => {
    const { system } = setup();
    let release: () => void = () => {};
    const gated: Behaviour<null, string> = {
      name: 'gated',
      async handle(message, state, ctx) {
        if (message === 'wait') await new Promise<void>((resolve) => (release = resolve));
        if (ctx.isCall) ctx.reply(message);
        return state;
      },
    };
    const ref = system.spawn(gated, null);
    const first = system.call(ref, 'wait');
    const queued = system.call(ref, 'queued');
    await Promise.resolve();
    const stopped = system.stop(ref, { timeout: 'brutal' });
    await stopped;
    release();
    await expect(first).rejects.toMatchObject({ code: 'AGENT_NOT_RUNNING' });
    await expect(queued).rejects.toMatchObject({ code: 'AGENT_NOT_RUNNING' });
  });

  it('handles one message at a time even when handlers are async', async () => {
    const { system } = setup();
    const log: string[] = [];
    const worker: Behaviour<number, number> = {
      name: 'worker',
      init: () => 0,
      async handle(message, active) {
        log.push(`start ${message} (${active})`);
        await Promise.resolve();
        await Promise.resolve();
        log.push(`end ${message}`);
        return active;
      },
    };
    const ref = system.spawn(worker, undefined);
    for (let i = 0; i < 3; i++) system.send(ref, i);
    await system.whenIdle();
    expect(log).toEqual(['start 0 (0)', 'end 0', 'start 1 (0)', 'end 1', 'start 2 (0)', 'end 2']);
  });

  it('delivers sendAfter on the injected clock', async () => {
    const { system, clock } = setup();
    const timed: Behaviour<string[], string> = {
      name: 'timed',
      init: (_args, ctx) => {
        ctx.sendAfter(100, 'tick');
        return [];
      },
      handle: (message, seen, ctx) => {
        if (ctx.isCall) {
          ctx.reply(seen);
          return seen;
        }
        return [...seen, message];
      },
    };
    const ref = system.spawn(timed, undefined);
    clock.advance(99);
    expect(await system.call(ref, 'get')).toEqual([]);
    clock.advance(1);
    expect(await system.call(ref, 'get')).toEqual(['tick']);
  });
});

describe('links, monitors and the registry', () => {
  const idle: Behaviour<ExitMessage[], unknown> = {
    name: 'idle',
    init: () => [],
    handle(message, seen, ctx) {
      if (ctx.isCall) {
        ctx.reply(seen);
        return seen;
      }
      if ((message as ExitMessage).type === 'agent-exited')
        return [...seen, message as ExitMessage];
      if (message === 'crash') throw new Error('linked crash');
      if (message === 'quit') ctx.stop('normal');
      return seen;
    },
  };

  it('takes linked agents down on an abnormal exit, and traps it when asked', async () => {
    const { system } = setup();
    const a = system.spawn(idle, undefined);
    const b = system.spawn(idle, undefined);
    const watcher = system.spawn(idle, undefined, { trapExits: true });
    system.link(a, b);
    system.link(a, watcher);
    system.send(a, 'crash');
    await system.whenIdle();
    expect(system.info(a)).toBeUndefined();
    expect(system.info(b)).toBeUndefined();
    const seen = await system.call<ExitMessage[]>(watcher, 'get');
    expect(seen).toEqual([
      {
        type: 'agent-exited',
        from: a,
        reason: { error: { name: 'Error', message: 'linked crash' } },
        via: 'link',
      },
    ]);
  });

  it('leaves linked agents alone on a normal exit', async () => {
    const { system } = setup();
    const a = system.spawn(idle, undefined);
    const b = system.spawn(idle, undefined);
    system.link(a, b);
    system.send(a, 'quit');
    await system.whenIdle();
    expect(system.info(a)).toBeUndefined();
    expect(system.info(b)?.status).toBe('running');
  });

  it('tells a monitor how its target exited, once', async () => {
    const { system } = setup();
    const target = system.spawn(idle, undefined);
    const watcher = system.spawn(idle, undefined);
    const id = system.monitor(watcher, target);
    await system.stop(target, { reason: 'shutdown' });
    await system.whenIdle();
    expect(await system.call(watcher, 'get')).toEqual([
      { type: 'agent-exited', from: target, reason: 'shutdown', via: 'monitor', monitor: id },
    ]);
  });

  it('registers names, finds them, refuses duplicates and forgets them when the agent goes', async () => {
    const { system } = setup();
    const a = system.spawn(counter, 1, { name: 'planner' });
    const b = system.spawn(counter, 2);
    expect(system.whereis('planner')).toEqual(a);
    expect(() => system.register('planner', b)).toThrow(
      expect.objectContaining({ code: 'NAME_TAKEN' }),
    );
    expect(await system.call(system.whereis('planner') as typeof a, { type: 'get' })).toBe(1);
    await system.stop(a);
    expect(system.whereis('planner')).toBeUndefined();
  });
});

describe('bounded mailboxes', () => {
  const gate = () => {
    let open: () => void = () => {};
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  };

  it('rejects past capacity and reports the drops as one event', async () => {
    const { system, events } = setup();
    const g = gate();
    const handled: number[] = [];
    const slow: Behaviour<null, number> = {
      name: 'slow',
      async handle(message, state, ctx) {
        if (message === 0) await g.promise;
        handled.push(message);
        if (ctx.isCall) ctx.reply(message);
        return state;
      },
    };
    const ref = system.spawn(slow, null, { mailbox: { capacity: 2, overflow: 'reject' } });
    system.send(ref, 0);
    await Promise.resolve();
    expect(system.send(ref, 1)).toBe(true);
    expect(system.send(ref, 2)).toBe(true);
    expect(system.send(ref, 3)).toBe(false);
    await expect(system.call(ref, 4)).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    g.open();
    await system.whenIdle();
    expect(handled).toEqual([0, 1, 2]);
    expect(events.filter((e) => e.type === 'mailbox-overflowed')).toEqual([
      { type: 'mailbox-overflowed', at: 0, agent: ref.id, policy: 'reject', dropped: 2 },
    ]);
  });

  it('drops the oldest waiting message under drop_oldest', async () => {
    const { system } = setup();
    const g = gate();
    const handled: number[] = [];
    const slow: Behaviour<null, number> = {
      name: 'slow',
      async handle(message, state) {
        if (message === 0) await g.promise;
        handled.push(message);
        return state;
      },
    };
    const ref = system.spawn(slow, null, { mailbox: { capacity: 2, overflow: 'drop_oldest' } });
    system.send(ref, 0);
    await Promise.resolve();
    for (let i = 1; i <= 4; i++) expect(system.send(ref, i)).toBe(true);
    g.open();
    await system.whenIdle();
    expect(handled).toEqual([0, 3, 4]);
  });
});

describe('budgets', () => {
  it('refuses spending past an agent limit with BUDGET_EXHAUSTED and an event', async () => {
    const { system, events } = setup();
    const spender: Behaviour<null, number> = {
      name: 'spender',
      handle(tokens, state, ctx) {
        ctx.spend({ tokens });
        ctx.reply(tokens);
        return state;
      },
    };
    const ref = system.spawn(spender, null, { resources: { tokens: 100 } });
    await expect(system.call(ref, 60)).resolves.toBe(60);
    const error = await system.call(ref, 50).catch((e: unknown) => e);
    expect((error as Error & { cause: unknown }).cause).toMatchObject({
      code: 'BUDGET_EXHAUSTED',
      resource: 'tokens',
      requested: 50,
      available: 40,
    });
    expect(events.find((e) => e.type === 'budget-exhausted')).toMatchObject({
      agent: ref.id,
      resource: 'tokens',
      requested: 50,
      available: 40,
    });
  });

  it('never over-commits the pool and gives resources back when agents stop', async () => {
    const clock = createManualClock();
    const system = createActorSystem({
      clock,
      resources: { totalMemory: 100, availableMemory: 100 },
    });
    const a = system.spawn(counter, 0, { resources: { memory: 60 } });
    expect(() => system.spawn(counter, 0, { resources: { memory: 50 } })).toThrow(
      expect.objectContaining({ code: 'BUDGET_EXHAUSTED', resource: 'memory', available: 40 }),
    );
    expect(system.resources.pool().availableMemory).toBe(40);
    await system.stop(a);
    expect(system.resources.pool().availableMemory).toBe(100);
    system.spawn(counter, 0, { resources: { memory: 50 } });
    expect(system.resources.pool().availableMemory).toBe(50);
  });
});

describe('start and stop', () => {
  it('reports an init that throws with its cause and stops the agent', async () => {
    const { system, events } = setup();
    const broken: Behaviour<null, unknown> = {
      name: 'broken',
      init() {
        throw new TypeError('bad config');
      },
      handle: (_m, s) => s,
    };
    const ref = system.spawn(broken, undefined);
    expect(system.info(ref)).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['agent-crashed', 'agent-stopped']);
    expect(events[0]).toMatchObject({ error: { name: 'TypeError', message: 'bad config' } });
  });

  it('holds mail until an async init is done', async () => {
    const { system } = setup();
    let ready: (n: number) => void = () => {};
    const lazy: Behaviour<number, CounterMessage> = {
      ...counter,
      name: 'lazy',
      init: () => new Promise<number>((resolve) => (ready = resolve)),
    };
    const ref = system.spawn(lazy, undefined);
    system.send(ref, { type: 'add', n: 1 });
    const reply = system.call(ref, { type: 'get' });
    expect(system.info(ref)?.status).toBe('starting');
    ready(41);
    expect(await reply).toBe(42);
  });

  it('stops gracefully with terminate, or kills brutally without it', async () => {
    const { system } = setup();
    const terminated: string[] = [];
    const tidy: Behaviour<string, unknown> = {
      name: 'tidy',
      init: (name) => name as string,
      handle: (_m, s) => s,
      terminate: (reason, name) => {
        terminated.push(`${name}:${String(reason)}`);
      },
    };
    const a = system.spawn(tidy, 'a');
    const b = system.spawn(tidy, 'b');
    await system.stop(a);
    await system.stop(b, { timeout: 'brutal' });
    expect(terminated).toEqual(['a:shutdown']);
  });

  it('shuts the system down in reverse order of start', async () => {
    const { system } = setup();
    const terminated: string[] = [];
    const tidy: Behaviour<string, unknown> = {
      name: 'tidy',
      init: (name) => name as string,
      handle: (_m, s) => s,
      terminate: (_reason, name) => {
        terminated.push(name);
      },
    };
    for (const name of ['first', 'second', 'third']) system.spawn(tidy, name);
    await system.shutdown();
    expect(terminated).toEqual(['third', 'second', 'first']);
    expect(() => system.spawn(tidy, 'late')).toThrow(
      expect.objectContaining({ code: 'SYSTEM_STOPPED' }),
    );
  });

  it('validates spawn input with field paths', () => {
    const { system } = setup();
    expect(() => system.spawn({ name: '' } as never)).toThrow(/name: must not be empty/);
    expect(() => system.spawn(counter, 0, { cpuWeight: -1 })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        issues: [expect.objectContaining({ path: 'options.cpuWeight' })],
      }),
    );
    system.spawn(counter, 0, { id: 'solo' });
    expect(() => system.spawn(counter, 0, { id: 'solo' })).toThrow(
      expect.objectContaining({ code: 'AGENT_ALREADY_EXISTS' }),
    );
  });
});

describe('topology and routing', () => {
  it('lets agents reach their neighbours and broadcast to them', async () => {
    const { system } = setup();
    const received: string[] = [];
    const node: Behaviour<null, string> = {
      name: 'node',
      handle(message, state, ctx) {
        if (message === 'go') {
          expect(ctx.neighbours().map((r) => r.id)).toEqual(['b', 'c']);
          ctx.broadcast(`hello from ${ctx.self.id}`);
        } else received.push(`${ctx.self.id} <- ${message}`);
        return state;
      },
    };
    for (const id of ['a', 'b', 'c']) system.spawn(node, null, { id });
    system.setNeighbours((id) => (id === 'a' ? ['b', 'c'] : []));
    system.send('a', 'go');
    await system.whenIdle();
    expect(received).toEqual(['b <- hello from a', 'c <- hello from a']);
  });

  it('spreads mail over instances round-robin or to the least loaded', async () => {
    const { system } = setup();
    for (const id of ['w', 'w:2', 'w:3']) system.spawn(counter, 0, { id });
    system.route('w', ['w', 'w:2', 'w:3'], 'round_robin');
    for (let i = 0; i < 6; i++) system.send('w', { type: 'add', n: 1 });
    await system.whenIdle();
    system.unroute('w');
    expect(
      await Promise.all(['w', 'w:2', 'w:3'].map((id) => system.call(id, { type: 'get' }))),
    ).toEqual([2, 2, 2]);
    const router = system.route('w', ['w', 'w:2', 'w:3'], 'least_loaded');
    system.send('w:2', { type: 'add', n: 1 });
    system.send('w', { type: 'add', n: 1 });
    expect(router.pick()).toBe('w:3');
  });
});
