import { createManualClock, createRandom, type RuntimeEvent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from './actor-system';
import { backoffDelay, backoffOptionsSchema } from './backoff';
import type { Behaviour } from './behaviour';
import type { ChildSpec } from './child-spec';
import { BudgetExhaustedError } from './errors';
import type { SupervisionNode } from './supervision-tree';
import { createSupervisor } from './supervisor';
import { startSupervisor } from './supervisor-handle';

type Message =
  | 'get'
  | 'crash'
  | 'quit'
  | 'rate'
  | 'bad-input'
  | 'budget'
  | 'fatal'
  | { add: number };

/** Counts what it was told; records its init and terminate in `journal`. */
function worker(journal: string[]): Behaviour<number, Message, unknown> {
  return {
    name: 'worker',
    init(_args, ctx) {
      journal.push(`init ${ctx.self.id}`);
      return 0;
    },
    handle(message, count, ctx) {
      if (message === 'get') {
        ctx.reply(count);
        return count;
      }
      if (message === 'crash') throw new Error(`crash in ${ctx.self.id}`);
      if (message === 'quit') {
        ctx.stop('normal');
        return count;
      }
      if (message === 'rate') throw Object.assign(new Error('429'), { status: 429 });
      if (message === 'bad-input')
        throw Object.assign(new Error('bad'), { code: 'INVALID_ARGUMENT' });
      if (message === 'budget') throw new BudgetExhaustedError(ctx.self.id, 'tokens', 10, 0);
      if (message === 'fatal') throw Object.assign(new Error('fatal'), { code: 'FATAL' });
      return count + message.add;
    },
    terminate(reason, _count, ctx) {
      journal.push(`terminate ${ctx.self.id} ${typeof reason === 'string' ? reason : 'error'}`);
    },
  };
}

function setup(seed = 7) {
  const clock = createManualClock();
  const system = createActorSystem({ clock, random: createRandom(seed) });
  const events: RuntimeEvent[] = [];
  system.events$.subscribe((event) => events.push(event));
  const journal: string[] = [];
  const spec = (id: string, extra: Partial<ChildSpec> = {}): ChildSpec => ({
    id,
    behaviour: worker(journal),
    ...extra,
  });
  return { clock, system, events, journal, spec };
}

const statuses = (node: SupervisionNode) =>
  Object.fromEntries((node.children ?? []).map((c) => [c.id, `${c.status}/${c.restarts}`]));

describe('strategies', () => {
  it('one_for_one restarts only the child that failed', async () => {
    const { system, spec, journal } = setup();
    const sup = await startSupervisor(system, {
      strategy: 'one_for_one',
      children: [spec('a'), spec('b'), spec('c')],
    });
    system.send('a', { add: 1 });
    system.send('c', { add: 5 });
    system.send('b', 'crash');
    await system.whenIdle();
    expect(statuses(sup.snapshot())).toEqual({ a: 'running/0', b: 'running/1', c: 'running/0' });
    expect(await system.call('a', 'get')).toBe(1);
    expect(await system.call('c', 'get')).toBe(5);
    // Restarted in place: the id it was reached by before the crash reaches the new incarnation.
    expect(await system.call('b', 'get')).toBe(0);
    // As a gen_server does, terminate runs after the crash.
    expect(journal).toEqual(['init a', 'init b', 'init c', 'terminate b error', 'init b']);
  });

  it('one_for_all stops the others in reverse order and restarts everyone in order', async () => {
    const { system, spec, journal } = setup();
    const sup = await startSupervisor(system, {
      strategy: 'one_for_all',
      children: [spec('a'), spec('b'), spec('c')],
    });
    journal.length = 0;
    system.send('a', { add: 3 });
    system.send('b', 'crash');
    await system.whenIdle();
    expect(journal).toEqual([
      'terminate b error',
      'terminate c shutdown',
      'terminate a shutdown',
      'init a',
      'init b',
      'init c',
    ]);
    expect(statuses(sup.snapshot())).toEqual({ a: 'running/1', b: 'running/1', c: 'running/1' });
    expect(await system.call('a', 'get')).toBe(0);
  });

  it('rest_for_one restarts the failed child and those started after it', async () => {
    const { system, spec, journal } = setup();
    const sup = await startSupervisor(system, {
      strategy: 'rest_for_one',
      children: [spec('a'), spec('b'), spec('c')],
    });
    journal.length = 0;
    system.send('b', 'crash');
    await system.whenIdle();
    expect(journal).toEqual(['terminate b error', 'terminate c shutdown', 'init b', 'init c']);
    expect(statuses(sup.snapshot())).toEqual({ a: 'running/0', b: 'running/1', c: 'running/1' });
  });

  it('simple_one_for_one starts children from a template and restarts them with their args', async () => {
    const { system, journal } = setup();
    const template: Behaviour<number, Message, number> = {
      ...(worker(journal) as unknown as Behaviour<number, Message, number>),
      init: (start) => start,
    };
    const sup = await startSupervisor(system, {
      strategy: 'simple_one_for_one',
      children: [{ id: 'job', behaviour: template, args: 0 }],
    });
    const one = await sup.startChild(10);
    const two = await sup.startChild(20, { id: 'special' });
    expect([one.id, two.id]).toEqual(['job-1', 'special']);
    system.send(one, { add: 1 });
    system.send(one, 'crash');
    await system.whenIdle();
    expect(await system.call(one, 'get')).toBe(10);
    await sup.terminateChild('special');
    expect(sup.snapshot().children?.map((c) => `${c.id}:${c.status}:${c.restarts}`)).toEqual([
      'job-1:running:1',
    ]);
  });
});

describe('restart types', () => {
  it('restarts permanent children after any exit, transient ones only after an abnormal exit', async () => {
    const { system, spec } = setup();
    const sup = await startSupervisor(system, {
      children: [
        spec('perm'),
        spec('trans', { restart: 'transient' }),
        spec('trans2', { restart: 'transient' }),
      ],
    });
    system.send('perm', 'quit');
    system.send('trans', 'quit');
    system.send('trans2', 'crash');
    await system.whenIdle();
    expect(statuses(sup.snapshot())).toEqual({
      perm: 'running/1',
      trans: 'stopped/0',
      trans2: 'running/1',
    });
    expect(system.info('trans')).toBeUndefined();
  });

  it('never restarts temporary children and forgets them', async () => {
    const { system, spec } = setup();
    const sup = await startSupervisor(system, {
      children: [spec('keep'), spec('temp', { restart: 'temporary' })],
    });
    system.send('temp', 'crash');
    await system.whenIdle();
    expect(sup.snapshot().children?.map((c) => c.id)).toEqual(['keep']);
  });

  it('restarts a stopped child on request and deletes it when asked', async () => {
    const { system, spec } = setup();
    const sup = await startSupervisor(system, { children: [spec('a', { restart: 'transient' })] });
    await sup.terminateChild('a');
    expect(statuses(sup.snapshot())).toEqual({ a: 'stopped/0' });
    await sup.restartChild('a');
    expect(await system.call('a', 'get')).toBe(0);
    await expect(sup.deleteChild('a')).rejects.toMatchObject({ code: 'CHILD_START_FAILED' });
    await sup.terminateChild('a');
    await sup.deleteChild('a');
    expect(sup.snapshot().children).toEqual([]);
    await expect(sup.terminateChild('a')).rejects.toMatchObject({ code: 'CHILD_NOT_FOUND' });
  });
});

describe('restart intensity', () => {
  it('escalates past the intensity: children stop in reverse, the supervisor fails', async () => {
    const { system, spec, journal, events } = setup();
    const sup = await startSupervisor(system, {
      id: 'sup',
      intensity: 2,
      periodMs: 1_000,
      children: [spec('a'), spec('b')],
    });
    journal.length = 0;
    for (let i = 0; i < 3; i++) {
      system.send('b', 'crash');
      await system.whenIdle();
    }
    expect(journal).toEqual([
      'terminate b error',
      'init b',
      'terminate b error',
      'init b',
      'terminate b error',
      'terminate a shutdown',
    ]);
    expect(events.find((e) => e.type === 'supervisor-escalated')).toMatchObject({
      supervisor: 'sup',
      reason: { code: 'RESTART_INTENSITY_EXCEEDED' },
    });
    expect(system.info('sup')).toBeUndefined();
    expect(system.info('a')).toBeUndefined();
    expect(sup.snapshot().status).toBe('stopped');
  });

  it('forgets restarts older than the period', async () => {
    const { system, spec, clock } = setup();
    const sup = await startSupervisor(system, {
      intensity: 2,
      periodMs: 1_000,
      children: [spec('a')],
    });
    for (let i = 0; i < 6; i++) {
      system.send('a', 'crash');
      await system.whenIdle();
      clock.advance(600);
    }
    expect(statuses(sup.snapshot())).toEqual({ a: 'running/6' });
  });

  it('escalates up the tree: the parent restarts the failed supervisor and its children afresh', async () => {
    const { system, spec, events } = setup();
    const inner = createSupervisor({
      intensity: 1,
      periodMs: 1_000,
      children: [spec('x'), spec('y')],
    });
    const root = await startSupervisor(system, {
      id: 'root',
      intensity: 5,
      children: [{ id: 'inner', behaviour: inner }],
    });
    system.send('x', { add: 7 });
    system.send('x', 'crash');
    await system.whenIdle();
    system.send('x', 'crash');
    await system.whenIdle();
    expect(
      events
        .filter((e) => e.type === 'supervisor-escalated')
        .map((e) => (e as { supervisor: string }).supervisor),
    ).toEqual(['inner']);
    const tree = root.snapshot();
    expect(tree.children?.[0]).toMatchObject({
      id: 'inner',
      kind: 'supervisor',
      status: 'running',
      restarts: 1,
    });
    expect(statuses(tree.children?.[0] as SupervisionNode)).toEqual({
      x: 'running/0',
      y: 'running/0',
    });
    expect(await system.call('x', 'get')).toBe(0);
  });
});

describe('shutdown', () => {
  it('stops children in reverse order, killing those that overrun their timeout', async () => {
    const { system, clock, journal } = setup();
    const stuck: Behaviour<null, unknown> = {
      name: 'stuck',
      handle: (_m, s) => s,
      terminate: () => new Promise<void>(() => {}),
    };
    const patient: Behaviour<null, unknown> = {
      name: 'patient',
      handle: (_m, s) => s,
      terminate: () => new Promise<void>((resolve) => clock.setTimeout(resolve, 50)),
    };
    const sup = await startSupervisor(system, {
      children: [
        { id: 'first', behaviour: worker(journal) },
        { id: 'brutal', behaviour: worker(journal), shutdown: 'brutal' },
        { id: 'patient', behaviour: patient, shutdown: 'infinity' },
        { id: 'stuck', behaviour: stuck, shutdown: 100 },
      ],
    });
    const stopped: string[] = [];
    system.events$.subscribe((e) => {
      if (e.type === 'agent-stopped') stopped.push(`${e.agent}:${String(e.reason)}@${e.at}`);
    });
    journal.length = 0;
    const done = sup.stop();
    await Promise.resolve();
    clock.advance(100);
    await Promise.resolve();
    await Promise.resolve();
    clock.advance(50);
    await done;
    expect(stopped).toEqual([
      'stuck:killed@100',
      'patient:shutdown@150',
      'brutal:killed@150',
      'first:shutdown@150',
      `${sup.ref.id}:shutdown@150`,
    ]);
    expect(journal).toEqual(['terminate first shutdown']);
  });

  it('fails to start when a child fails to start, stopping the ones already started', async () => {
    const { system, spec, journal } = setup();
    const broken: Behaviour<null, unknown> = {
      name: 'broken',
      init() {
        throw new RangeError('no model configured');
      },
      handle: (_m, s) => s,
    };
    const error = await startSupervisor(system, {
      children: [spec('a'), spec('b'), { id: 'c', behaviour: broken }, spec('d')],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHILD_START_FAILED' });
    expect((error as Error).cause).toBeInstanceOf(RangeError);
    expect(journal).toEqual(['init a', 'init b', 'terminate b shutdown', 'terminate a shutdown']);
    expect(system.list()).toEqual([]);
  });

  it('treats an init that fails on restart as another crash', async () => {
    const { system, events } = setup();
    let attempts = 0;
    const flaky: Behaviour<number, string> = {
      name: 'flaky',
      init() {
        attempts++;
        if (attempts > 1) throw new Error(`init attempt ${attempts}`);
        return 0;
      },
      handle(message) {
        if (message === 'crash') throw new Error('first crash');
        return 0;
      },
    };
    await startSupervisor(system, {
      id: 'sup',
      intensity: 3,
      periodMs: 1_000,
      children: [{ id: 'f', behaviour: flaky }],
    });
    system.send('f', 'crash');
    await system.whenIdle();
    expect(attempts).toBe(4);
    expect(
      events
        .filter((e) => e.type === 'agent-crashed')
        .map((e) => (e as { error: { message: string } }).error.message),
    ).toEqual(['first crash', 'init attempt 2', 'init attempt 3', 'init attempt 4']);
    expect(events.some((e) => e.type === 'supervisor-escalated')).toBe(true);
  });
});

describe('decisions by error class and backoff', () => {
  it('resumes on bad input, stops on an exhausted budget, restarts on anything else', async () => {
    const { system, spec } = setup();
    const sup = await startSupervisor(system, { children: [spec('a'), spec('b'), spec('c')] });
    system.send('a', { add: 2 });
    system.send('a', 'bad-input');
    system.send('a', { add: 3 });
    system.send('b', 'budget');
    system.send('c', 'fatal');
    await system.whenIdle();
    expect(await system.call('a', 'get')).toBe(5);
    expect(statuses(sup.snapshot())).toEqual({ a: 'running/0', b: 'stopped/0', c: 'running/1' });
  });

  it('escalates at once when the decider says so', async () => {
    const { system, spec, events } = setup();
    await startSupervisor(system, {
      id: 'sup',
      intensity: 100,
      decide: (error) => ((error as { code?: string }).code === 'FATAL' ? 'escalate' : 'restart'),
      children: [spec('a')],
    });
    system.send('a', 'fatal');
    await system.whenIdle();
    expect(events.find((e) => e.type === 'supervisor-escalated')).toMatchObject({
      supervisor: 'sup',
      reason: { name: 'Error', message: 'fatal' },
    });
    expect(system.info('sup')).toBeUndefined();
  });

  it('backs off a rate-limited child with growing, jittered delays on the clock', async () => {
    const { system, spec, clock, events } = setup(99);
    const backoff = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0.5 };
    const sup = await startSupervisor(system, {
      intensity: 10,
      periodMs: 60_000,
      backoff,
      children: [spec('a')],
    });
    const expected = createRandom(99);
    const options = backoffOptionsSchema.parse(backoff);
    for (let attempt = 1; attempt <= 5; attempt++) {
      const delay = backoffDelay(attempt, options, expected);
      system.send('a', 'rate');
      await system.whenIdle();
      expect(sup.snapshot().children?.[0]?.status).toBe('restarting');
      clock.advance(delay - 1);
      await system.whenIdle();
      expect(sup.snapshot().children?.[0]?.status).toBe('restarting');
      clock.advance(1);
      await system.whenIdle();
      expect(sup.snapshot().children?.[0]).toMatchObject({ status: 'running', restarts: attempt });
      expect(events.at(-1)).toMatchObject({
        type: 'agent-restarted',
        agent: 'a',
        restarts: attempt,
        delayMs: delay,
      });
    }
    const delays = events
      .filter((e) => e.type === 'agent-restarted')
      .map((e) => (e as { delayMs: number }).delayMs);
    expect(delays[4]).toBeLessThanOrEqual(1_000);
    expect(delays[1]).toBeGreaterThanOrEqual(100);
    expect(delays[1]).toBeLessThanOrEqual(300);
  });

  it('keeps mail sent while a child waits to restart', async () => {
    const { system, spec, clock } = setup();
    await startSupervisor(system, {
      backoff: { initialMs: 500, jitter: 0 },
      children: [spec('a')],
    });
    system.send('a', 'rate');
    await system.whenIdle();
    system.send('a', { add: 4 });
    const reply = system.call('a', 'get', { timeout: 10_000 });
    clock.advance(500);
    expect(await reply).toBe(4);
  });
});

describe('snapshots', () => {
  it('shows ids, behaviours, kinds, statuses and restart counts of the whole tree', async () => {
    const { system, spec } = setup();
    const inner = createSupervisor({
      name: 'team',
      strategy: 'one_for_all',
      children: [spec('x')],
    });
    await startSupervisor(system, {
      id: 'root',
      children: [spec('a'), { id: 'inner', behaviour: inner }],
    });
    system.send('x', 'crash');
    await system.whenIdle();
    expect(system.tree()).toEqual([
      {
        id: 'root',
        behaviour: 'supervisor',
        kind: 'supervisor',
        status: 'running',
        restarts: 0,
        errors: 0,
        mailboxDepth: 0,
        strategy: 'one_for_one',
        children: [
          {
            id: 'a',
            behaviour: 'worker',
            kind: 'worker',
            status: 'running',
            restarts: 0,
            errors: 0,
            mailboxDepth: 0,
            restart: 'permanent',
          },
          {
            id: 'inner',
            behaviour: 'team',
            kind: 'supervisor',
            status: 'running',
            restarts: 0,
            errors: 0,
            mailboxDepth: 0,
            restart: 'permanent',
            strategy: 'one_for_all',
            children: [
              {
                id: 'x',
                behaviour: 'worker',
                kind: 'worker',
                status: 'running',
                restarts: 1,
                errors: 1,
                mailboxDepth: 0,
                restart: 'permanent',
              },
            ],
          },
        ],
      },
    ]);
  });

  it('validates supervisor options with paths', async () => {
    const { system, spec } = setup();
    await expect(startSupervisor(system, { strategy: 'one_for_none' as never })).rejects.toThrow(
      /strategy/,
    );
    await expect(startSupervisor(system, { children: [spec('a'), spec('a')] })).rejects.toThrow(
      /children.1.id/,
    );
    await expect(
      startSupervisor(system, { strategy: 'simple_one_for_one', children: [spec('a'), spec('b')] }),
    ).rejects.toThrow(/exactly one/);
  });
});
