import { describe, expect, it } from 'vitest';
import type { Behaviour } from '../behaviour';
import { startSupervisor } from '../supervisor-handle';
import { setupSystem } from './system-fixture';

/** A promise and its resolver, to hold an async step where the test wants it. */
function gate<T = void>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

type Step = { gate: Promise<void>; act: 'reply' | 'stop' | 'send' | 'spawn' | 'monitor' };

/** Awaits the gate in the message, then acts through its context. */
const slow: Behaviour<string[], Step> = {
  name: 'slow',
  init: () => [],
  async handle(step, log, ctx) {
    const label = `${ctx.self.id}`;
    await step.gate;
    if (step.act === 'reply') ctx.reply(`answer of ${label}`);
    if (step.act === 'stop') ctx.stop('normal');
    if (step.act === 'send') ctx.send(ctx.self, { gate: Promise.resolve(), act: 'reply' });
    if (step.act === 'spawn') ctx.spawn(slow);
    if (step.act === 'monitor') ctx.monitor(ctx.self);
    return [...log, step.act];
  },
};

describe('a step that outlives its incarnation', () => {
  it('cannot answer the call the next incarnation is handling', async () => {
    const { system, events } = setupSystem();
    await startSupervisor(system, { children: [{ id: 'w', behaviour: slow }] });
    const first = gate();
    const old = system.call('w', { gate: first.promise, act: 'reply' });
    await Promise.resolve();
    system.kill('w');
    await expect(old).rejects.toMatchObject({ code: 'AGENT_NOT_RUNNING' });
    await system.whenIdle();
    expect(system.info('w')).toMatchObject({ status: 'running', restarts: 1 });

    const second = gate();
    let answer: unknown = 'none';
    const next = system.call('w', { gate: second.promise, act: 'reply' }).then((value) => {
      answer = value;
    });
    await Promise.resolve();
    first.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(answer).toBe('none');
    expect(events.filter((e) => e.type === 'stale-step')).toEqual([
      { type: 'stale-step', at: 0, agent: 'w', operation: 'reply' },
    ]);
    second.open();
    await next;
    expect(answer).toBe('answer of w');
  });

  it('cannot stop, send, spawn or monitor for the next incarnation', async () => {
    const { system, events } = setupSystem();
    await startSupervisor(system, { intensity: 10, children: [{ id: 'w', behaviour: slow }] });
    const gates = [gate(), gate(), gate(), gate()];
    const actions = ['stop', 'send', 'spawn', 'monitor'] as const;
    // Four incarnations, each killed while its step awaits.
    for (const [i, action] of actions.entries()) {
      system.send('w', { gate: (gates[i] as ReturnType<typeof gate>).promise, act: action });
      await Promise.resolve();
      system.kill('w');
      await system.whenIdle();
    }
    const before = system.list().length;
    for (const g of gates) g.open();
    await new Promise((resolve) => setImmediate(resolve));
    await system.whenIdle();
    expect(system.info('w')).toMatchObject({ status: 'running', restarts: 4, messagesHandled: 0 });
    expect(system.list().length).toBe(before);
    expect(events.filter((e) => e.type === 'stale-step').map((e) => e.operation)).toEqual([
      'stop',
      'send',
      'spawn',
      'monitor',
    ]);
  });

  it('of a hot-swapped behaviour, ended by a linked crash, cannot answer the next call', async () => {
    const { system, events } = setupSystem();
    const partner: Behaviour<null, 'crash'> = {
      name: 'partner',
      handle() {
        throw new Error('partner crashed');
      },
    };
    await startSupervisor(system, {
      intensity: 10,
      children: [
        { id: 'w', behaviour: slow },
        { id: 'p', behaviour: partner },
      ],
    });
    await system.hotSwap('w', { ...slow, name: 'slow-v2' });
    system.link('w', 'p');
    const first = gate();
    const old = system.call('w', { gate: first.promise, act: 'reply' });
    await Promise.resolve();
    system.send('p', 'crash');
    await expect(old).rejects.toMatchObject({
      code: 'AGENT_CRASHED',
      message: 'agent "w" crashed: partner crashed',
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(system.info('w')).toMatchObject({ status: 'running', behaviour: 'slow-v2' });
    const second = gate();
    let answer: unknown = 'none';
    const next = system.call('w', { gate: second.promise, act: 'reply' }).then((value) => {
      answer = value;
    });
    await Promise.resolve();
    first.open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(answer).toBe('none');
    expect(events.filter((e) => e.type === 'stale-step')).toMatchObject([{ operation: 'reply' }]);
    second.open();
    await next;
    expect(answer).toBe('answer of w');
  });

  it('leaves whenIdle free once its incarnation is killed', async () => {
    const { system } = setupSystem();
    const hung: Behaviour<number, unknown> = {
      name: 'hung',
      handle: () => new Promise<number>(() => {}),
    };
    const ref = system.spawn(hung, 0);
    system.send(ref, 'go');
    await Promise.resolve();
    await Promise.resolve();
    expect(system.info(ref)?.status).toBe('running');
    system.kill(ref);
    let idle = false;
    void system.whenIdle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(true);
  });
});
