/**
 * Supervision scenarios run on both varplane (`replay.ts`) and real Erlang/OTP 25
 * (`scenarios.escript`, through `otp-fixtures.ts`). Plain data, snake_case as the Erlang side
 * reads it. Every worker traps exits on the Erlang side, so it runs `terminate` when its supervisor
 * stops it, as a varplane agent does.
 */

export type Shutdown = number | 'brutal' | 'infinity';
export type Restart = 'permanent' | 'transient' | 'temporary';

export interface WorkerSpec {
  id: string;
  kind?: 'worker';
  restart?: Restart;
  shutdown?: Shutdown;
  /** Which of this id's inits (1-based, counted over the whole scenario) fail. */
  fail?: number[];
  /** `hang` never returns; a number sleeps that many ms. */
  terminate?: 'ok' | 'hang' | number;
  /** Ms that `init` takes. */
  init_delay?: number;
}

export interface SupervisorSpec {
  id: string;
  kind: 'supervisor';
  restart?: Restart;
  shutdown?: Shutdown;
  strategy?: 'one_for_one' | 'one_for_all' | 'rest_for_one' | 'simple_one_for_one';
  intensity?: number;
  /** Seconds, as OTP counts them. */
  period?: number;
  children: Array<WorkerSpec | SupervisorSpec>;
}

type Action =
  | { crash: string }
  | { kill: string }
  | { exit: string; reason: 'normal' | 'shutdown' }
  | { start_child: string; child: WorkerSpec | SupervisorSpec }
  | { start_child: string; id: string }
  | { terminate_child: string; id: string }
  | { restart_child: string; id: string }
  | { delete_child: string; id: string }
  | { stop: string }
  | { spawn: string; trap?: boolean }
  | { link: string; to: string }
  | { monitor: string; target: string }
  | { wait: number };

/** One step; `wait` is how long the step is given to settle (default 300 ms). */
export type Step = Action & { wait?: number; unordered?: boolean };

export interface Scenario {
  name: string;
  root?: SupervisorSpec;
  steps: Step[];
  /** Events of the root's start compared as a set. */
  unordered_start?: boolean;
}

const w = (id: string, extra: Omit<WorkerSpec, 'id'> = {}): WorkerSpec => ({ id, ...extra });
const sup = (
  id: string,
  children: SupervisorSpec['children'],
  extra: Omit<SupervisorSpec, 'id' | 'kind' | 'children'> = {},
): SupervisorSpec => ({ id, kind: 'supervisor', children, ...extra });
const abc = () => [w('a'), w('b'), w('c')];

export const scenarios: Scenario[] = [
  // Strategies
  {
    name: 'one_for_one restarts only the crashed child',
    root: sup('root', abc()),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'one_for_all stops the others in reverse and restarts all in order',
    root: sup('root', abc(), { strategy: 'one_for_all' }),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'rest_for_one restarts the crashed child and those after it',
    root: sup('root', abc(), { strategy: 'rest_for_one' }),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'simple_one_for_one restarts one dynamic child',
    root: sup('root', [w('t')], { strategy: 'simple_one_for_one' }),
    steps: [{ start_child: 'root', id: 'd1' }, { start_child: 'root', id: 'd2' }, { crash: 'd1' }],
  },
  {
    name: 'simple_one_for_one children stop together',
    root: sup('top', [sup('pool', [w('t')], { strategy: 'simple_one_for_one' })]),
    steps: [
      { start_child: 'pool', id: 'd1' },
      { start_child: 'pool', id: 'd2' },
      { start_child: 'pool', id: 'd3' },
      { stop: 'top', unordered: true },
    ],
  },
  // Restart types
  {
    name: 'a permanent child that exits normally is restarted',
    root: sup('root', [w('a')]),
    steps: [{ exit: 'a', reason: 'normal' }],
  },
  {
    name: 'a transient child is restarted after a crash, not after a normal exit',
    root: sup('root', [w('a', { restart: 'transient' }), w('b')]),
    steps: [{ crash: 'a' }, { exit: 'a', reason: 'normal' }],
  },
  {
    name: 'a transient child that exits shutdown is not restarted',
    root: sup('root', [w('a', { restart: 'transient' })]),
    steps: [{ exit: 'a', reason: 'shutdown' }],
  },
  {
    name: 'a temporary child is never restarted and is forgotten',
    root: sup('root', [w('a', { restart: 'temporary' }), w('b')]),
    steps: [{ crash: 'a' }],
  },
  {
    name: 'a temporary sibling stopped for a group restart goes',
    root: sup('root', [w('a'), w('b', { restart: 'temporary' }), w('c')], {
      strategy: 'one_for_all',
    }),
    steps: [{ crash: 'c' }],
  },
  // Intensity
  {
    name: 'past its intensity a supervisor stops its children in reverse and exits shutdown',
    root: sup('root', abc(), { intensity: 2 }),
    steps: [{ crash: 'a' }, { crash: 'b' }, { crash: 'c' }],
  },
  {
    name: 'intensity 0 gives up at the first crash',
    root: sup('root', [w('a'), w('b')], { intensity: 0 }),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'a nested supervisor that gives up is restarted by its parent',
    root: sup('root', [w('x'), sup('inner', [w('a'), w('b')], { intensity: 1 }), w('y')]),
    steps: [{ crash: 'a' }, { crash: 'a' }],
  },
  {
    name: 'a transient nested supervisor that gives up is not restarted',
    root: sup('root', [w('x'), sup('inner', [w('a')], { intensity: 0, restart: 'transient' })]),
    steps: [{ crash: 'a' }],
  },
  {
    name: 'giving up escalates through three levels',
    root: sup(
      'root',
      [sup('mid', [w('m'), sup('leaf', [w('a')], { intensity: 0 })], { intensity: 0 })],
      { intensity: 0 },
    ),
    steps: [{ crash: 'a' }],
  },
  {
    name: 'a one_for_all nested supervisor restart counts in the parent intensity',
    root: sup('root', [sup('inner', [w('a'), w('b')], { intensity: 0, strategy: 'one_for_all' })], {
      intensity: 1,
    }),
    steps: [{ crash: 'a' }, { crash: 'b' }],
  },
  // Shutdown kinds
  {
    name: 'stopping the root stops children in reverse with shutdown',
    root: sup('root', abc()),
    steps: [{ stop: 'root' }],
  },
  {
    name: 'a brutal child is killed without terminate',
    root: sup('root', [w('a'), w('b', { shutdown: 'brutal' }), w('c')], {
      strategy: 'one_for_all',
    }),
    steps: [{ crash: 'a' }],
  },
  {
    name: 'a child that hangs in terminate is killed after its shutdown timeout',
    root: sup('root', [w('a', { shutdown: 100, terminate: 'hang' }), w('b')]),
    steps: [{ stop: 'root' }],
  },
  {
    name: 'a slow terminate within its timeout exits shutdown',
    root: sup('root', [w('a', { shutdown: 200, terminate: 50 }), w('b')]),
    steps: [{ stop: 'root' }],
  },
  {
    name: 'nested supervisors stop their own children first',
    root: sup('root', [w('a'), sup('inner', [w('b'), w('c')]), w('d')]),
    steps: [{ stop: 'root' }],
  },
  {
    name: 'a killed supervisor takes its children down and is restarted',
    root: sup('root', [w('x'), sup('inner', [w('a'), w('b')])]),
    steps: [{ kill: 'inner', unordered: true }],
  },
  // Init failures
  {
    name: 'a failed init at start stops the started children and fails the start',
    root: sup('root', [w('a'), w('b', { fail: [1] }), w('c')]),
    steps: [],
  },
  {
    name: 'a failed init at restart is retried',
    root: sup('root', [w('a'), w('b', { fail: [2] })], { intensity: 3 }),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'inits that keep failing at restart exhaust the intensity',
    root: sup('root', [w('a'), w('b', { fail: [2, 3, 4, 5] })], { intensity: 2 }),
    steps: [{ crash: 'b' }],
  },
  {
    name: 'a transient supervisor whose restart fails to start is retried',
    root: sup('root', [sup('inner', [w('a', { fail: [2] })], { restart: 'transient' })]),
    steps: [{ kill: 'inner', unordered: true }],
  },
  {
    name: 'a one_for_all restart stops at a failed init and starts over',
    root: sup('root', [w('a'), w('b', { fail: [2] }), w('c')], { strategy: 'one_for_all' }),
    steps: [{ crash: 'a' }],
  },
  {
    name: 'slow inits of a rest_for_one restart run in order',
    root: sup('root', [w('a'), w('b', { init_delay: 30 }), w('c', { init_delay: 10 })], {
      strategy: 'rest_for_one',
    }),
    steps: [{ crash: 'a' }],
  },
  // Dynamic children
  {
    name: 'start, terminate, restart and delete a child',
    root: sup('root', [w('a')]),
    steps: [
      { start_child: 'root', child: w('b') },
      { terminate_child: 'root', id: 'b' },
      { restart_child: 'root', id: 'b' },
      { terminate_child: 'root', id: 'b' },
      { delete_child: 'root', id: 'b' },
    ],
  },
  {
    name: 'restarting or deleting a running child is refused',
    root: sup('root', [w('a')]),
    steps: [
      { restart_child: 'root', id: 'a' },
      { delete_child: 'root', id: 'a' },
    ],
  },
  {
    name: 'a child whose start failed is not kept',
    root: sup('root', [w('a')]),
    steps: [
      { start_child: 'root', child: w('b', { fail: [1] }) },
      { start_child: 'root', child: w('b', { fail: [1] }) },
    ],
  },
  {
    name: 'a terminated child starts again with its group',
    root: sup('root', abc(), { strategy: 'one_for_all' }),
    steps: [{ terminate_child: 'root', id: 'b' }, { crash: 'c' }],
  },
  {
    name: 'a transient that exited normally starts again with its group',
    root: sup('root', [w('a'), w('b', { restart: 'transient' }), w('c')], {
      strategy: 'rest_for_one',
    }),
    steps: [{ exit: 'b', reason: 'normal' }, { crash: 'a' }],
  },
  // Links and monitors
  {
    name: 'a crash takes a linked agent down',
    steps: [{ spawn: 'a' }, { spawn: 'b' }, { link: 'a', to: 'b' }, { crash: 'b' }],
  },
  {
    name: 'an agent trapping exits gets the exit of a linked agent',
    steps: [{ spawn: 'a', trap: true }, { spawn: 'b' }, { link: 'a', to: 'b' }, { crash: 'b' }],
  },
  {
    name: 'a normal exit does not take a linked agent down',
    steps: [
      { spawn: 'a' },
      { spawn: 't', trap: true },
      { spawn: 'b' },
      { link: 'a', to: 'b' },
      { link: 't', to: 'b' },
      { exit: 'b', reason: 'normal' },
    ],
  },
  {
    name: 'a monitor reports a kill',
    steps: [{ spawn: 'a' }, { spawn: 'b' }, { monitor: 'a', target: 'b' }, { kill: 'b' }],
  },
  {
    name: 'monitoring an agent that is gone reports noproc',
    steps: [{ spawn: 'a' }, { spawn: 'b' }, { kill: 'b' }, { monitor: 'a', target: 'b' }],
  },
  {
    name: 'linking to an agent that is gone',
    steps: [
      { spawn: 'a' },
      { spawn: 't', trap: true },
      { spawn: 'b' },
      { kill: 'b' },
      { link: 't', to: 'b' },
      { link: 'a', to: 'b' },
    ],
  },
];
