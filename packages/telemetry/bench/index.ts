/**
 * Telemetry benchmarks. The runtime's ping-pong and burst run in a real running space twice in
 * the same run: with monitoring off (the baseline) and on (a monitor collecting every 100 ms, with
 * percentiles, alerts, insights and storage). The ratio is the monitoring overhead; the goal is
 * under 5%. Then the cost of one collection window measured directly, and the quantile sketch
 * beside a bare array push. `pnpm bench` here.
 */
import { type Measurement, measure, type Row, report } from '@varplane/bench-kit';
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
let received = 0;

const player: Behaviour<string, number, SpaceAgentArgs> = {
  name: 'player',
  init: (args) => args.args as string,
  handle(n, peer, ctx) {
    if (n === 0) finished();
    else ctx.send(peer, n - 1);
    return peer;
  },
};

const sink: Behaviour<null, number> = {
  name: 'sink',
  init: () => null,
  handle(_n, state) {
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

// Each call ends with one `setImmediate`, in both cases: dispatch runs on microtasks only, and
// without a turn of the event loop between calls no timer could fire, so the monitor's periodic
// collection (and the runtime's stats report) would never run inside the measurement.
const pingPongRound = (running: RunningSpace, name: string) =>
  measure(
    name,
    () =>
      new Promise<void>((resolve) => {
        finished = () => setImmediate(resolve);
        running.send('ping', HOPS);
      }),
    { opsPerCall: HOPS },
  );

const burstRound = (running: RunningSpace, name: string) =>
  measure(
    name,
    () =>
      new Promise<void>((resolve) => {
        received = 0;
        finished = () => setImmediate(resolve);
        for (let i = 0; i < BURST; i++) running.send('sink', i);
      }),
    { opsPerCall: BURST },
  );

interface Comparison {
  off: Measurement;
  on: Measurement;
  /** ns per operation of every round, in run order. */
  offRounds: number[];
  onRounds: number[];
  windows: number;
}

const median = (ms: readonly Measurement[]) =>
  [...ms].sort((a, b) => a.nsPerOp - b.nsPerOp)[Math.floor((ms.length - 1) / 2)] as Measurement;

// Off and on run back to back in fresh spaces, the order flipping every round so drift over the
// run (heap growth, a warming JIT) favours neither. Each side reports its median round: on a
// shared machine a neighbour's load slows single rounds by up to 2x, either side, at random.
async function compare(
  round: (running: RunningSpace, name: string) => Promise<Measurement>,
  label: string,
): Promise<Comparison> {
  const offs: Measurement[] = [];
  const ons: Measurement[] = [];
  let windows = 0;
  const once = async (monitored: boolean) => {
    const setup = await start(monitored);
    const result = await round(setup.running, `${label}, monitoring ${monitored ? 'on' : 'off'}`);
    windows += await stop(setup);
    (monitored ? ons : offs).push(result);
  };
  for (let i = 0; i < ROUNDS; i++) {
    await once(i % 2 === 1);
    await once(i % 2 === 0);
  }
  return {
    off: median(offs),
    on: median(ons),
    offRounds: offs.map((m) => m.nsPerOp),
    onRounds: ons.map((m) => m.nsPerOp),
    windows,
  };
}

// What one window costs the monitor, measured directly: it reads the counters, aggregates,
// derives insights, steps alerts and stores the points. Beside it, the bare read of the counters.
async function collectRow(): Promise<Row> {
  const setup = await start(true);
  const monitor = setup.monitor as Monitor;
  // A full history, as after two minutes of 1-second windows.
  for (let i = 0; i < 130; i++) monitor.collect();
  const baseline = await measure('running.stats()', () => setup.running.stats());
  const subject = await measure('monitor.collect()', () => monitor.collect());
  await stop(setup);
  return { case: 'one collection window (3 agents), per window', subject, baseline };
}

async function sketchRow(): Promise<Row> {
  const random = createRandom(3);
  const values = Array.from({ length: 4_096 }, () => Math.exp(random.normal() * 2 + 3));
  const array: number[] = [];
  const baseline = await measure(
    'array push',
    () => {
      array.length = 0;
      for (const v of values) array.push(v);
    },
    { opsPerCall: values.length },
  );
  const sketch = createQuantileSketch();
  const subject = await measure(
    'sketch add',
    () => {
      sketch.clear();
      for (const v of values) sketch.add(v);
    },
    { opsPerCall: values.length },
  );
  return { case: 'quantile sketch add (1% error), per sample', subject, baseline };
}

async function main() {
  const collect = await collectRow();
  const pingPong = await compare(pingPongRound, 'ping-pong');
  const burst = await compare(burstRound, 'burst');
  const goal = '<= 1.05x (under 5% overhead)';
  const rows: Row[] = [
    {
      case: 'ping-pong in a running space, per hop (on vs off)',
      subject: pingPong.on,
      baseline: pingPong.off,
      goal,
      met: pingPong.on.nsPerOp <= 1.05 * pingPong.off.nsPerOp,
    },
    {
      case: 'burst into one agent, per message (on vs off)',
      subject: burst.on,
      baseline: burst.off,
      goal,
      met: burst.on.nsPerOp <= 1.05 * burst.off.nsPerOp,
    },
    collect,
    await sketchRow(),
  ];
  report('telemetry: monitoring overhead on the runtime', rows);
  const share = (collect.subject.nsPerOp / (COLLECTION_INTERVAL_MS * 1e6)) * 100;
  const list = (ns: number[]) => ns.map((n) => n.toFixed(1)).join(' ');
  console.log(
    [
      `ping-pong ns/hop by round: off ${list(pingPong.offRounds)} | on ${list(pingPong.onRounds)}`,
      `burst ns/message by round: off ${list(burst.offRounds)} | on ${list(burst.onRounds)}`,
      `windows the monitors closed while measured: ping-pong ${pingPong.windows}, burst ${burst.windows}`,
      `one window costs ${(collect.subject.nsPerOp / 1e3).toFixed(1)} us: ${share.toFixed(3)}% of one core at a ${COLLECTION_INTERVAL_MS} ms interval`,
    ].join('\n'),
  );
}

await main();
