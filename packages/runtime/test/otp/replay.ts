/**
 * Runs a scenario of `scenarios.ts` on varplane and records the same trace the Erlang side does:
 * workers and supervisors report to a collector agent, which monitors every incarnation it is told
 * of, so events arrive in one mailbox in the order they happened.
 */
import { createManualClock, createRandom, type ExitReason } from '@varplane/core';
import { type ActorSystem, createActorSystem } from '../../src/actor-system';
import type { AnyBehaviour, Behaviour, ExitMessage } from '../../src/behaviour';
import type { ChildSpec } from '../../src/child-spec';
import type { SupervisionNode } from '../../src/supervision-tree';
import { createSupervisor } from '../../src/supervisor';
import type { Scenario, Step, SupervisorSpec, WorkerSpec } from './scenarios';

export type Event = string[];
export interface Trace {
  name: string;
  steps: Event[][];
  final: Event[];
}

const reasonName = (reason: ExitReason): string => (typeof reason === 'string' ? reason : 'error');

type Report = { ev: Event } | { watch: string } | ExitMessage;

const collector = (events: Event[]): Behaviour<null, Report> => ({
  name: 'collector',
  handle(message, state, ctx) {
    if ('ev' in message) events.push(message.ev);
    else if ('watch' in message) ctx.monitor(message.watch);
    else events.push(['exit', message.from.id, reasonName(message.reason)]);
    return state;
  },
});

type WorkerMessage =
  | 'crash'
  | { stop: 'normal' | 'shutdown' }
  | { link: string }
  | { monitor: string }
  | ExitMessage;

export async function replay(scenario: Scenario): Promise<Trace> {
  const clock = createManualClock();
  const system = createActorSystem({ clock, random: createRandom(1) });
  const events: Event[] = [];
  system.spawn(collector(events), null, { id: 'collector' });
  const attempts = new Map<string, number>();
  const report = (ev: Event) => system.send('collector', { ev });
  const sleep = (ms: number) => new Promise((resolve) => clock.setTimeout(() => resolve(0), ms));

  const worker = (spec: WorkerSpec): Behaviour<null, WorkerMessage> => ({
    name: 'worker',
    async init(_args, ctx) {
      const id = ctx.self.id;
      const n = (attempts.get(id) ?? 0) + 1;
      attempts.set(id, n);
      if (spec.init_delay !== undefined) await sleep(spec.init_delay);
      if (spec.fail?.includes(n) === true) {
        report(['init_failed', id]);
        throw new Error('init failed');
      }
      ctx.send('collector', { watch: id });
      report(['init', id]);
      return null;
    },
    handle(message, state, ctx) {
      const id = ctx.self.id;
      if (message === 'crash') throw new Error('crash');
      if ('type' in message) {
        const tag = message.via === 'link' ? 'got_exit' : 'got_down';
        report([tag, id, message.from.id, reasonName(message.reason)]);
      } else if ('stop' in message) ctx.stop(message.stop);
      else if ('link' in message) ctx.link(message.link);
      else ctx.monitor(message.monitor);
      return state;
    },
    terminate(reason, _state, ctx) {
      report(['terminate', ctx.self.id, reasonName(reason)]);
      if (spec.terminate === 'hang') return new Promise<void>(() => {});
      if (typeof spec.terminate === 'number') return sleep(spec.terminate).then(() => undefined);
      return undefined;
    },
  });

  const supervisorOf = (spec: SupervisorSpec): AnyBehaviour => {
    const base = createSupervisor({
      id: spec.id,
      strategy: spec.strategy ?? 'one_for_one',
      intensity: spec.intensity ?? 3,
      periodMs: (spec.period ?? 5) * 1_000,
      children: spec.children.map(childOf),
    });
    return {
      ...base,
      init(args: unknown, ctx: Parameters<NonNullable<typeof base.init>>[1]) {
        ctx.send('collector', { watch: ctx.self.id });
        report(['sup_init', ctx.self.id]);
        return (base.init as NonNullable<typeof base.init>)(args, ctx);
      },
    };
  };

  const childOf = (spec: WorkerSpec | SupervisorSpec): ChildSpec => {
    const child: ChildSpec =
      spec.kind === 'supervisor'
        ? { id: spec.id, behaviour: supervisorOf(spec) }
        : { id: spec.id, behaviour: worker(spec) };
    if (spec.restart !== undefined) child.restart = spec.restart;
    if (spec.shutdown !== undefined) child.shutdown = spec.shutdown;
    return child;
  };

  /** Gives the step `ms` of clock time, in 10 ms ticks, letting every ready step run between. */
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(10);
    }
    await new Promise((resolve) => setImmediate(resolve));
    return events.splice(0);
  };

  const steps: Event[][] = [];
  let root: Promise<Event[]> = Promise.resolve([]);
  if (scenario.root !== undefined) {
    const ref = system.spawn(supervisorOf(scenario.root), undefined, { id: scenario.root.id });
    root = whenStarted(system, ref.id);
  }
  const first = await settle(300);
  steps.push([...first, ...(await root)]);

  for (const step of scenario.steps) {
    const result = act(system, step, worker);
    const settled = await settle(step.wait ?? 300);
    steps.push([...settled, ...(await result)]);
  }
  const final = scenario.root === undefined ? [] : tree(system, scenario.root.id);
  return { name: scenario.name, steps, final };
}

async function whenStarted(system: ActorSystem, id: string): Promise<Event[]> {
  // A start that fails ends the supervisor: its exit or start decides.
  for (let i = 0; i < 100; i++) {
    const info = system.info(id);
    if (info === undefined) return [['start', 'error']];
    if (info.status === 'running') return [['start', 'ok']];
    await new Promise((resolve) => setImmediate(resolve));
  }
  return [['start', 'pending']];
}

function act(
  system: ActorSystem,
  step: Step,
  worker: (spec: WorkerSpec) => AnyBehaviour,
): Promise<Event[]> {
  const outcome = (done: Promise<unknown>) =>
    done.then(
      () => [['result', 'ok']],
      () => [['result', 'error']],
    );
  const command = (sup: string, message: object) =>
    outcome(system.call(sup, message, { timeout: 60_000 }));
  if ('crash' in step) system.send(step.crash, 'crash');
  else if ('kill' in step) system.kill(step.kill);
  else if ('exit' in step) system.send(step.exit, { stop: step.reason });
  else if ('start_child' in step) {
    if ('child' in step) {
      const spec = step.child as WorkerSpec;
      const child: ChildSpec = { id: spec.id, behaviour: worker(spec) };
      if (spec.restart !== undefined) child.restart = spec.restart;
      if (spec.shutdown !== undefined) child.shutdown = spec.shutdown;
      return command(step.start_child, { type: 'supervisor-child-start', spec: child });
    }
    return command(step.start_child, { type: 'supervisor-child-start', id: step.id });
  } else if ('terminate_child' in step)
    return command(step.terminate_child, { type: 'supervisor-child-terminate', id: step.id });
  else if ('restart_child' in step)
    return command(step.restart_child, { type: 'supervisor-child-restart', id: step.id });
  else if ('delete_child' in step)
    return command(step.delete_child, { type: 'supervisor-child-delete', id: step.id });
  else if ('stop' in step) return outcome(system.stop(step.stop, { timeout: 'infinity' }));
  else if ('spawn' in step)
    system.spawn(worker({ id: step.spawn }), null, {
      id: step.spawn,
      trapExits: step.trap === true,
    });
  else if ('link' in step) system.send(step.link, { link: step.to });
  else if ('monitor' in step) system.send(step.monitor, { monitor: step.target });
  return Promise.resolve([]);
}

/** Every child of every supervisor under the root, sorted by id within each supervisor. */
function tree(system: ActorSystem, rootId: string): Event[] {
  const node = system.tree().find((n) => n.id === rootId);
  if (node === undefined || node.status !== 'running') return [['down', rootId]];
  const rows: Event[] = [];
  const walk = (sup: SupervisionNode) => {
    const children = [...(sup.children ?? [])].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const child of children) {
      rows.push(['child', sup.id, child.id, child.status === 'running' ? 'running' : 'undefined']);
    }
    for (const child of children) {
      if (child.kind === 'supervisor' && child.status === 'running') walk(child);
    }
  };
  walk(node);
  return rows;
}
