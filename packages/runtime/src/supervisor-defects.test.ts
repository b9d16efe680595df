import type { RuntimeEvent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { setupSystem } from './internal/system-fixture';
import { createSupervisor } from './supervisor';
import { startSupervisor } from './supervisor-handle';

/** Terminate never settles; `quit` stops itself (`quit-soon`: with a 50 ms timeout). */
const stubborn: Behaviour<null, 'quit' | 'quit-soon'> = {
  name: 'stubborn',
  init: () => null,
  handle(message, state, ctx) {
    if (message === 'quit') ctx.stop('normal');
    else ctx.stop('normal', { timeout: 50 });
    return state;
  },
  terminate: () => new Promise<void>(() => {}),
};

/** Lets every ready step run (`whenIdle` would wait for the steps held on purpose here). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

const stopsOf = (events: RuntimeEvent[], agent: string) =>
  events.filter((e) => e.type === 'agent-stopped' && e.agent === agent);

describe('a shutdown timeout bounds a child that is already stopping', () => {
  it('terminateChild kills it after its spec shutdown', async () => {
    const { system, clock, events } = setupSystem();
    const sup = await startSupervisor(system, {
      children: [{ id: 'w', behaviour: stubborn, shutdown: 100 }],
    });
    system.send('w', 'quit');
    await flush();
    expect(system.info('w')?.status).toBe('stopping');
    let done = false;
    const terminated = sup.terminateChild('w').then(() => {
      done = true;
    });
    await flush();
    clock.advance(99);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    await terminated;
    expect(stopsOf(events, 'w')).toMatchObject([{ reason: 'killed' }]);
  });

  it('system.shutdown() kills a root agent stuck in terminate after 5 s', async () => {
    const { system, clock } = setupSystem();
    system.spawn(stubborn, undefined, { id: 'root-agent' });
    system.send('root-agent', 'quit');
    await flush();
    const shutdown = system.shutdown();
    clock.advance(5_000);
    await expect(shutdown).resolves.toBeUndefined();
    expect(system.info('root-agent')).toBeUndefined();
  });

  it('ctx.stop takes a timeout', async () => {
    const { system, clock, events } = setupSystem();
    system.spawn(stubborn, undefined, { id: 's' });
    system.send('s', 'quit-soon');
    await flush();
    clock.advance(50);
    await flush();
    expect(stopsOf(events, 's')).toMatchObject([{ reason: 'killed' }]);
  });

  it('a supervisor stopping one child still restarts a crashed sibling', async () => {
    const { system, clock } = setupSystem();
    const crashy: Behaviour<number, 'crash'> = {
      name: 'crashy',
      init: () => 0,
      handle() {
        throw new Error('crash');
      },
    };
    const sup = await startSupervisor(system, {
      children: [
        { id: 'w', behaviour: stubborn, shutdown: 100 },
        { id: 'c', behaviour: crashy },
      ],
    });
    system.send('w', 'quit');
    await flush();
    const terminated = sup.terminateChild('w');
    system.send('c', 'crash');
    await flush();
    clock.advance(100);
    await terminated;
    await flush();
    expect(system.info('c')).toMatchObject({ status: 'running', restarts: 1 });
  });
});

const failOnce = (failures: { left: number }): Behaviour<number, unknown> => ({
  name: 'fails-once',
  init() {
    if (failures.left-- > 0) throw new Error('missing key');
    return 0;
  },
  handle: (_m, s) => s,
});

describe('startChild', () => {
  it('does not keep a child whose start failed, so the retry is accepted', async () => {
    const { system } = setupSystem();
    const sup = await startSupervisor(system, {});
    const behaviour = failOnce({ left: 1 });
    await expect(sup.startChild({ id: 'x', behaviour })).rejects.toMatchObject({
      code: 'CHILD_START_FAILED',
    });
    expect(sup.snapshot().children).toEqual([]);
    await expect(sup.startChild({ id: 'x', behaviour })).resolves.toMatchObject({ id: 'x' });
    expect(sup.snapshot().children?.map((c) => [c.id, c.status])).toEqual([['x', 'running']]);
  });
});

const steady: Behaviour<number, 'crash'> = {
  name: 'steady',
  init: () => 0,
  handle() {
    throw new Error('crash');
  },
};

describe('a supervisor that reaches its intensity', () => {
  it('exits shutdown, so a transient parent child is not restarted', async () => {
    const { system, events } = setupSystem();
    const inner = createSupervisor({
      id: 'inner',
      intensity: 0,
      children: [{ id: 'w', behaviour: steady }],
    });
    const root = await startSupervisor(system, {
      id: 'root',
      children: [{ id: 'inner', behaviour: inner, restart: 'transient' }],
    });
    system.send('w', 'crash');
    await flush();
    expect(stopsOf(events, 'inner')).toMatchObject([{ reason: 'shutdown' }]);
    expect(events.find((e) => e.type === 'supervisor-escalated')).toMatchObject({
      supervisor: 'inner',
      reason: { code: 'RESTART_INTENSITY_EXCEEDED' },
    });
    expect(root.snapshot().children).toMatchObject([{ id: 'inner', status: 'stopped' }]);
  });
});

describe('group restarts', () => {
  it('start in order, each async init awaited, and stop at a failed init', async () => {
    const { system, clock } = setupSystem();
    const journal: string[] = [];
    let failB = 0;
    const slow = (id: string, ms: number): Behaviour<number, 'crash'> => ({
      name: id,
      async init() {
        journal.push(`init ${id}`);
        await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), ms));
        if (id === 'b' && failB-- > 0) throw new Error('b failed');
        journal.push(`ready ${id}`);
        return 0;
      },
      handle() {
        throw new Error('crash');
      },
    });
    const started = startSupervisor(system, {
      strategy: 'one_for_all',
      intensity: 5,
      children: [
        { id: 'a', behaviour: slow('a', 10) },
        { id: 'b', behaviour: slow('b', 10) },
        { id: 'c', behaviour: slow('c', 10) },
      ],
    });
    for (let i = 0; i < 3; i++) {
      await flush();
      clock.advance(10);
    }
    await started;
    journal.length = 0;
    failB = 1;
    system.send('a', 'crash');
    for (let i = 0; i < 8; i++) {
      await flush();
      clock.advance(10);
    }
    await flush();
    expect(journal).toEqual([
      'init a',
      'ready a',
      'init b',
      // b fails: c is not started; the retry restarts the whole group again.
      'init a',
      'ready a',
      'init b',
      'ready b',
      'init c',
      'ready c',
    ]);
    expect(system.list().map((a) => [a.id, a.status])).toEqual([
      [expect.any(String), 'running'],
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'running'],
    ]);
  });
});

describe('a hot swap', () => {
  const version = (v: string): Behaviour<string, 'get'> => ({
    name: `svc-${v}`,
    init: () => v,
    handle(_m, state, ctx) {
      ctx.reply(state);
      return state;
    },
  });

  it('survives the restart of its subtree', async () => {
    const { system } = setupSystem();
    const inner = createSupervisor({
      id: 'inner',
      children: [{ id: 'svc', behaviour: version('v1') }],
    });
    await startSupervisor(system, { id: 'root', children: [{ id: 'inner', behaviour: inner }] });
    await system.hotSwap('svc', version('v2'));
    system.kill('inner');
    await flush();
    expect(system.info('inner')?.restarts).toBe(1);
    expect(system.info('svc')?.behaviour).toBe('svc-v2');
    await expect(system.call('svc', 'get')).resolves.toBe('v2');
  });
});

describe('timeouts a timer cannot hold', () => {
  it('are refused with a typed error', async () => {
    const { system } = setupSystem();
    const ref = system.spawn(version0(), undefined);
    await expect(system.call(ref, 'get', { timeout: 2 ** 31 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('timeout'),
    });
    await expect(system.stop(ref, { timeout: 2 ** 31 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    await expect(
      startSupervisor(system, {
        children: [{ id: 'x', behaviour: version0(), shutdown: 2 ** 31 }],
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(system.call(ref, 'get', { timeout: 2 ** 31 - 1 })).resolves.toBe(0);
    const asker = system.spawn({
      name: 'asker',
      handle(_m: unknown, state: unknown, ctx) {
        if (ctx.isCall) ctx.reply(ctx.call(ref, 'get', { timeout: 2 ** 31 }).catch((e) => e));
        return state;
      },
    });
    // The reply is the inner call's promise; the outer call settles with what it settled with.
    expect(await system.call(asker, 'ask')).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('ctx.call: options.timeout'),
    });
  });
});

function version0(): Behaviour<number, 'get'> {
  return {
    name: 'zero',
    init: () => 0,
    handle(_m, state, ctx) {
      ctx.reply(state);
      return state;
    },
  };
}
