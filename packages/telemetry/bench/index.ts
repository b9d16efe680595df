/**
 * Telemetry benchmarks. The runtime's ping-pong and burst run in a real running space twice in
 * the same run: with monitoring off (the baseline) and on (a monitor collecting every 100 ms, with
 * percentiles, alerts, insights and storage). The ratio is the monitoring overhead; the goal is
 * under 5%. Then the cost of one collection window measured directly, and the quantile sketch
 * beside a bare array push. `pnpm bench` here.
 */
import { type Comparison, compare, type Row, report, type Trial } from '@varplane/bench-kit';
import {
  createMultiAgentSpace,
  createRandom,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import {
  type Behaviour,
  type RunningSpace,
  type SpaceAgentArgs,
  startSpace,
} from '@varplane/runtime';
import { type Monitor, startMonitoring } from '../src/index';
import { createQuantileSketch } from '../src/quantile-sketch';

const HOPS = 10_000;
const BURST = 10_000;
const ROUNDS = 10;
/** The runtime reports stats this often in both cases, so only the monitor differs. */
const STATS_INTERVAL_MS = 100;
const COLLECTION_INTERVAL_MS = 100;

let finished: () => void = () => {};
let failed: (error: Error) => void = () => {};
/** Hops of the current ping-pong, and messages of the current burst, counted exactly. */
let hops = 0;
let received = 0;

const player: Behaviour<string, number, SpaceAgentArgs> = {
  name: 'player',
  init: (args) => args.args as string,
  handle(n, peer, ctx) {
    hops++;
    if (n === 0) {
      if (hops === HOPS + 1) finished();
      else failed(new Error(`ping-pong of ${HOPS} hops took ${hops - 1}`));
    } else ctx.send(peer, n - 1);
    return peer;
  },
};

const sink: Behaviour<null, number> = {
  name: 'sink',
  init: () => null,
  handle(n, state) {
    // In order, once each: a lost or repeated message breaks the sequence.
    if (n !== received) failed(new Error(`burst message ${n} arrived as number ${received}`));
    if (++received === BURST) finished();
    return state;
  },
};

function team(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'bench' });
  space = registerAgent(space, { id: 'ping', behaviour: 'player', args: 'pong' });
  space = registerAgent(space, { id: 'pong', behaviour: 'player', args: 'ping' });
  space = registerAgent(space, { id: 'sink', behaviour: 'sink' });
  return space;
}

async function start(monitored: boolean): Promise<{ running: RunningSpace; monitor?: Monitor }> {
  const running = await startSpace(team(), {
    behaviours: { player, sink },
    random: createRandom(1),
    statsIntervalMs: STATS_INTERVAL_MS,
  });
  await running.startAgents();
  if (!monitored) return { running };
  const monitor = startMonitoring(running, {
    collectionIntervalMs: COLLECTION_INTERVAL_MS,
    metricsToTrack: [
      'mailbox_depth',
      'messages_per_second',
      'errors',
      'restarts',
      'aggregate_performance',
    ],
    aggregation: { mailbox_depth: 'percentile' },
    alertThresholds: {
      'mailbox_depth.p99': { warning: 1e9, critical: 2e9, action: 'log' },
      errors: { warning: 1, critical: 10, action: 'log' },
    },
    log: () => {},
  });
  return { running, monitor };
}

async function stop(setup: { running: RunningSpace; monitor?: Monitor }): Promise<number> {
  const windows = setup.monitor?.history().length ?? 0;
  setup.monitor?.stop();
  await setup.running.stop();
  return windows;
}

// Each call ends with one `setImmediate`, in both cases, so the monitor's periodic collection (and
// the runtime's stats report) get their turns of the event loop inside the measurement.
const pingPong = (running: RunningSpace) =>
  new Promise<void>((resolve, reject) => {
    hops = 0;
    finished = () => setImmediate(resolve);
    failed = reject;
    running.send('ping', HOPS);
  });

const burst = (running: RunningSpace) =>
  new Promise<void>((resolve, reject) => {
    received = 0;
    finished = () => setImmediate(resolve);
    failed = reject;
    for (let i = 0; i < BURST; i++) running.send('sink', i);
  });

interface MonitoredComparison extends Comparison {
  windows: number;
}

// Off and on each get a fresh space every round, and the harness alternates them, the order
// flipping every round, so drift over the run (heap growth, a warming JIT) favours neither.
async function compareMonitoring(
  body: (running: RunningSpace) => Promise<void>,
  ops: number,
  label: string,
): Promise<MonitoredComparison> {
  let windows = 0;
  const trial = (monitored: boolean): Trial => {
    let setup: { running: RunningSpace; monitor?: Monitor } | undefined;
    return {
      name: `${label}, monitoring ${monitored ? 'on' : 'off'}`,
      opsPerCall: ops,
      fn: () => body((setup as { running: RunningSpace }).running),
      before: async () => {
        setup = await start(monitored);
      },
      after: async () => {
        if (setup !== undefined) windows += await stop(setup);
      },
    };
  };
  const result = await compare(trial(true), trial(false), { rounds: ROUNDS });
  return { ...result, windows };
}

// What one window costs the monitor, measured directly: it reads the counters, aggregates,
// derives insights, steps alerts and stores the points. Beside it, the bare read of the counters.
async function collectRow(): Promise<Row> {
  const setup = await start(true);
  const monitor = setup.monitor as Monitor;
  // A full history, as after two minutes of 1-second windows.
  for (let i = 0; i < 130; i++) monitor.collect();
  const result = await compare(
    { name: 'monitor.collect()', fn: () => monitor.collect() },
    {
      name: 'running.stats()',
      fn: () => setup.running.stats(),
      check: () => {
        const agents = new Set(setup.running.stats().map((stat) => stat.agent));
        for (const id of ['ping', 'pong', 'sink']) {
          if (!agents.has(id)) throw new Error(`stats left out agent ${id}`);
        }
      },
    },
  );
  await stop(setup);
  return { case: 'one collection window (3 agents), per window', ...result };
}

async function sketchRow(): Promise<Row> {
  const random = createRandom(3);
  const values = Array.from({ length: 4_096 }, () => Math.exp(random.normal() * 2 + 3));
  const array: number[] = [];
  const sketch = createQuantileSketch();
  const result = await compare(
    {
      name: 'sketch add',
      opsPerCall: values.length,
      fn: () => {
        sketch.clear();
        for (const v of values) sketch.add(v);
      },
      check: () => {
        if (sketch.count !== values.length) throw new Error(`the sketch counted ${sketch.count}`);
      },
    },
    {
      name: 'array push',
      opsPerCall: values.length,
      fn: () => {
        array.length = 0;
        for (const v of values) array.push(v);
      },
      check: () => {
        if (array.length !== values.length) throw new Error(`the array holds ${array.length}`);
      },
    },
  );
  return { case: 'quantile sketch add (1% error), per sample', ...result };
}

async function main() {
  const collect = await collectRow();
  const pingPongs = await compareMonitoring(pingPong, HOPS, 'ping-pong');
  const bursts = await compareMonitoring(burst, BURST, 'burst');
  const goal = '<= 1.05x (under 5% overhead)';
  const rows: Row[] = [
    {
      case: 'ping-pong in a running space, per hop (on vs off)',
      ...pingPongs,
      goal,
      met: pingPongs.ratio.median <= 1.05,
    },
    {
      case: 'burst into one agent, per message (on vs off)',
      ...bursts,
      goal,
      met: bursts.ratio.median <= 1.05,
    },
    collect,
    await sketchRow(),
  ];
  report('telemetry: monitoring overhead on the runtime', rows);
  const share = (collect.subject.nsPerOp / (COLLECTION_INTERVAL_MS * 1e6)) * 100;
  console.log(
    [
      `windows the monitors closed while measured: ping-pong ${pingPongs.windows}, burst ${bursts.windows}`,
      `one window costs ${(collect.subject.nsPerOp / 1e3).toFixed(1)} us: ${share.toFixed(3)}% of one core at a ${COLLECTION_INTERVAL_MS} ms interval`,
    ].join('\n'),
  );
}

await main();
