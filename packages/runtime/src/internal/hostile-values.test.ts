import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../behaviour';
import { startSupervisor } from '../supervisor-handle';
import { setupSystem } from './system-fixture';

/** A value every inspection of which throws: prototype, properties, everything. */
const hostile = () =>
  new Proxy(
    {},
    {
      getPrototypeOf() {
        throw new Error('no prototype for you');
      },
      get() {
        throw new Error('no property for you');
      },
      has() {
        throw new Error('no key for you');
      },
    },
  );

const flush = () => new Promise((resolve) => setImmediate(resolve));

const echo: Behaviour<unknown, unknown> = {
  name: 'echo',
  init: (args) => args,
  handle(message, state, ctx) {
    if (message === 'get' && ctx.isCall) ctx.reply('ok');
    return state;
  },
};

describe('hostile values never escape as uncaught exceptions', () => {
  it('a message whose prototype trap throws is delivered like any other', async () => {
    const { system } = setupSystem();
    const seen: unknown[] = [];
    const ref = system.spawn({
      name: 'sink',
      handle(message, state) {
        seen.push(message);
        return state;
      },
    });
    expect(system.send(ref, hostile())).toBe(true);
    await system.whenIdle();
    expect(seen).toHaveLength(1);
    expect(system.info(ref)?.status).toBe('running');
  });

  it('a full mailbox refuses a hostile message without throwing', async () => {
    const { system } = setupSystem();
    const ref = system.spawn(echo, 0, { mailbox: { capacity: 1 } });
    expect(system.send(ref, 'a')).toBe(true);
    expect(system.send(ref, hostile())).toBe(false);
    await system.whenIdle();
  });

  it('spawn with args whose prototype trap throws starts the agent, and shutdown resolves', async () => {
    const { system } = setupSystem();
    const ref = system.spawn(echo, hostile());
    expect(system.info(ref)?.status).toBe('running');
    await expect(system.call(ref, 'get')).resolves.toBe('ok');
    await expect(system.shutdown()).resolves.toBeUndefined();
  });

  it('a handler returning a thenable whose then throws is a crash', async () => {
    const { system, events } = setupSystem();
    const ref = system.spawn({
      name: 'liar',
      handle: () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hostile thenable is the point
        then() {
          throw new Error('then exploded');
        },
      }),
    });
    const answer = system.call(ref, 'x');
    await expect(answer).rejects.toMatchObject({ code: 'AGENT_CRASHED' });
    await flush();
    expect(events.find((e) => e.type === 'agent-crashed')).toMatchObject({
      error: { message: 'then exploded' },
    });
  });

  it('a handler throwing an object whose getters throw is a crash with a described error', async () => {
    const { system, events } = setupSystem();
    await startSupervisor(system, {
      children: [
        {
          id: 'thrower',
          behaviour: {
            name: 'thrower',
            handle() {
              throw hostile();
            },
          },
        },
      ],
    });
    const answer = system.call('thrower', 'x');
    await expect(answer).rejects.toMatchObject({ code: 'AGENT_CRASHED' });
    await flush();
    expect(events.find((e) => e.type === 'agent-crashed')).toMatchObject({
      agent: 'thrower',
      error: { name: 'Error' },
    });
    expect(system.info('thrower')).toMatchObject({ status: 'running', restarts: 1 });
  });
});

describe('user steps that never settle end in a typed timeout', () => {
  const never = () => new Promise<never>(() => {});

  it('a child init under startSupervisor fails the start after its startTimeout', async () => {
    const { system, clock } = setupSystem();
    let settled: unknown = 'pending';
    const started = startSupervisor(system, {
      children: [{ id: 'stuck', behaviour: { name: 'stuck', init: never, handle: (_m, s) => s } }],
    }).then(
      () => 'started',
      (error) => error,
    );
    void started.then((value) => {
      settled = value;
    });
    await flush();
    clock.advance(29_999);
    await flush();
    expect(settled).toBe('pending');
    clock.advance(1);
    await expect(started).resolves.toMatchObject({
      code: 'CHILD_START_FAILED',
      cause: { code: 'STEP_TIMEOUT', step: 'init', timeoutMs: 30_000 },
    });
    await expect(system.shutdown()).resolves.toBeUndefined();
  });

  it('a restart whose init hangs is retried, bounded, until the intensity is reached', async () => {
    const { system, clock, events } = setupSystem();
    let inits = 0;
    const flaky: Behaviour<number, 'crash'> = {
      name: 'flaky',
      init: () => (inits++ === 0 ? 0 : never()),
      handle() {
        throw new Error('crash');
      },
    };
    await startSupervisor(system, {
      id: 'sup',
      intensity: 2,
      children: [{ id: 'f', behaviour: flaky, startTimeout: 100 }],
    });
    system.send('f', 'crash');
    for (let i = 0; i < 5; i++) {
      await flush();
      clock.advance(100);
    }
    await flush();
    expect(inits).toBe(3);
    expect(events.filter((e) => e.type === 'agent-stopped' && e.agent === 'sup')).toMatchObject([
      { reason: 'shutdown' },
    ]);
  });

  it('a codeChange that hangs fails the swap and restarts the agent with its old behaviour', async () => {
    const { system, clock } = setupSystem();
    await startSupervisor(system, {
      children: [{ id: 'svc', behaviour: echo, args: 'state' }],
    });
    const swap = system.hotSwap(
      'svc',
      { name: 'echo-v2', handle: (_m, s) => s, codeChange: never },
      { timeout: 50 },
    );
    await flush();
    clock.advance(50);
    await expect(swap).rejects.toMatchObject({
      code: 'STEP_TIMEOUT',
      step: 'codeChange',
      agent: 'svc',
    });
    await flush();
    expect(system.info('svc')).toMatchObject({ status: 'running', behaviour: 'echo', restarts: 1 });
    await expect(system.call('svc', 'get')).resolves.toBe('ok');
  });

  it('refuses a swap timeout a timer cannot hold', async () => {
    const { system } = setupSystem();
    const ref = system.spawn(echo, 0);
    await expect(system.hotSwap(ref, echo, { timeout: 2 ** 31 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
