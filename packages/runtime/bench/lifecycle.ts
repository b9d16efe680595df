/**
 * Calls, crash-restart cycles, spawning and what an idle agent keeps after a burst, each checked
 * exactly (the reply's value, the restart count, the number of agents).
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Comparison, compare, type Measurement } from '@varplane/bench-kit';
import { type Behaviour, startSupervisor } from '../src/index';
import { type RingActor, RunQueue, restarting } from './baseline';
import { newSystem } from './messaging';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CRASHES = 1_000;
const SPAWNS = 1_000_000;
export const AFTER_BURST = 1_000_000;

// ---------------------------------------------------------------------------------------------
// A call's round trip: varplane's `call` (a typed timeout armed, the reply checked) against a
// promise resolved by an actor of the same design.

export async function callRoundTrip(): Promise<Comparison> {
  const sys = newSystem();
  const counter: Behaviour<number, 'next'> = {
    name: 'counter',
    handle(_m, n, ctx) {
      ctx.reply(n + 1);
      return n + 1;
    },
  };
  const ref = sys.spawn(counter, 0);
  let expected = 0;
  const actor = new RunQueue().spawn((resolve, self) => {
    self.state = (self.state as number) + 1;
    (resolve as (n: number) => void)(self.state as number);
  }, 0);
  let bareExpected = 0;
  return compare(
    {
      name: 'varplane call',
      fn: async () => {
        const n = await sys.call<number>(ref, 'next');
        if (n !== ++expected) throw new Error(`call ${expected} answered ${n}`);
      },
    },
    {
      name: 'promise round trip through a run-queue actor',
      fn: async () => {
        const n = await new Promise<number>((resolve) => actor.send(resolve));
        if (n !== ++bareExpected) throw new Error(`round trip ${bareExpected} answered ${n}`);
      },
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Crash and restart under one_for_one

export async function restart(): Promise<Comparison> {
  const sys = newSystem();
  const crasher: Behaviour<{ count: number }, number> = {
    name: 'crasher',
    init: () => ({ count: 0 }),
    handle() {
      throw new Error('crash');
    },
  };
  await startSupervisor(sys, {
    strategy: 'one_for_one',
    intensity: 1_000_000_000,
    periodMs: 1,
    children: [{ id: 'crasher', behaviour: crasher }],
  });
  let restarts = 0;
  let bareRestarts = 0;
  const queue = new RunQueue();
  const bare: RingActor = queue.spawn(
    restarting(
      () => {
        throw new Error('crash');
      },
      () => {
        bareRestarts++;
        return { count: 0 };
      },
    ),
    { count: 0 },
  );
  let bareExpected = 0;
  return compare(
    {
      name: 'varplane crash + restart',
      opsPerCall: CRASHES,
      fn: async () => {
        for (let i = 0; i < CRASHES; i++) sys.send('crasher', i);
        await sys.whenIdle();
        restarts += CRASHES;
        const seen = sys.info('crasher')?.restarts;
        if (seen !== restarts) throw new Error(`${restarts} crashes made ${seen} restarts`);
      },
    },
    {
      name: 'catch + re-init in a run-queue actor',
      opsPerCall: CRASHES,
      fn: () =>
        new Promise<void>((resolve, reject) => {
          bareExpected += CRASHES;
          for (let i = 0; i < CRASHES; i++) bare.send(i);
          queueMicrotask(() =>
            bareRestarts === bareExpected
              ? resolve()
              : reject(new Error(`${bareExpected} crashes made ${bareRestarts} restarts`)),
          );
        }),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Spawning 1M idle agents: time and retained heap per agent, measured once (not cheaply repeated).

function once(name: string, ns: number): Measurement {
  return { name, nsPerOp: ns, opsPerSecond: 1e9 / ns, spread: 0, samples: 1 };
}

export function spawnMillion(): {
  subject: Measurement;
  baseline: Measurement;
  bytesPerAgent: number;
  bareBytes: number;
} {
  const idle: Behaviour<undefined, unknown> = { name: 'idle', handle: (_m, s) => s };
  gc();
  let before = process.memoryUsage().heapUsed;
  let start = performance.now();
  const queue = new RunQueue();
  const bare = new Map<string, RingActor>();
  for (let i = 0; i < SPAWNS; i++)
    bare.set(
      `idle-${i}`,
      queue.spawn(() => {}),
    );
  const bareNs = ((performance.now() - start) * 1e6) / SPAWNS;
  gc();
  const bareBytes = (process.memoryUsage().heapUsed - before) / SPAWNS;
  if (bare.size !== SPAWNS) throw new Error('the baseline lost actors');
  bare.clear();

  const sys = newSystem();
  gc();
  before = process.memoryUsage().heapUsed;
  start = performance.now();
  for (let i = 0; i < SPAWNS; i++) sys.spawn(idle, undefined);
  const ns = ((performance.now() - start) * 1e6) / SPAWNS;
  gc();
  const bytesPerAgent = (process.memoryUsage().heapUsed - before) / SPAWNS;
  if (sys.list().length !== SPAWNS) throw new Error('spawn lost agents');
  return {
    subject: once('varplane spawn', ns),
    baseline: once('run-queue actor + map entry', bareNs),
    bytesPerAgent,
    bareBytes,
  };
}

// ---------------------------------------------------------------------------------------------
// What an idle agent keeps after a burst of 1M messages.

export async function retainedAfterBurst(): Promise<{ bytes: number; handled: number }> {
  const sys = newSystem();
  const sink: Behaviour<number, number> = { name: 'sink', handle: (_m, n) => n + 1 };
  const ref = sys.spawn(sink, 0);
  await sys.whenIdle();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < AFTER_BURST; i++) sys.send(ref, i);
  await sys.whenIdle();
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  const handled = sys.info(ref)?.messagesHandled ?? -1;
  if (handled !== AFTER_BURST) throw new Error(`the burst of ${AFTER_BURST} handled ${handled}`);
  return { bytes, handled };
}
