/**
 * Runtime benchmarks, `pnpm bench` in packages/runtime. Each case runs against a baseline in
 * alternating rounds (see `@varplane/bench-kit`): varplane's own design stripped to its core (one
 * shared run queue, ring mailboxes, see `baseline.ts`), or, for async handlers, varplane's sync
 * path. The burst and many-to-many rows give the event loop's delay while they ran.
 */
import { type Comparison, type Row, report } from '@varplane/bench-kit';
import { AFTER_BURST, callRoundTrip, restart, retainedAfterBurst, spawnMillion } from './lifecycle';
import { asyncBurst, asyncPingPong, burst, manyById, manyByRef, pingPong } from './messaging';

const LOOP_DELAY_GOAL_MS = 10;

const withinDelay = (c: Comparison) =>
  c.loopDelay === undefined || c.loopDelay.p99Ms < LOOP_DELAY_GOAL_MS;

async function main(): Promise<void> {
  const rows: Row[] = [];
  const ratioRow = (name: string, c: Comparison, limit: number, what: string): Row => ({
    case: name,
    ...c,
    goal: `<= ${limit}x ${what}`,
    met: c.ratio.median <= limit,
  });
  const rateRow = (name: string, c: Comparison, rate: number): Row => ({
    case: name,
    ...c,
    goal: `>= ${rate / 1e6}M msgs/s${c.loopDelay ? `, loop p99 < ${LOOP_DELAY_GOAL_MS} ms` : ''}`,
    met: c.subject.opsPerSecond >= rate && withinDelay(c),
  });

  rows.push(ratioRow('ping-pong, per hop', await pingPong(), 1.5, 'run queue'));
  rows.push(rateRow('burst into one agent, per message', await burst(), 10e6));
  rows.push(ratioRow('async ping-pong, per hop (vs sync)', await asyncPingPong(), 2, 'sync'));
  const asyncBursts = await asyncBurst();
  rows.push({
    ...ratioRow('async burst, per message (vs sync)', asyncBursts, 2, 'sync'),
    goal: `<= 2x sync, loop p99 < ${LOOP_DELAY_GOAL_MS} ms`,
    met: asyncBursts.ratio.median <= 2 && withinDelay(asyncBursts),
  });
  rows.push(rateRow('10k agents, 10k in flight, by ref, per message', await manyByRef(), 10e6));
  rows.push(rateRow('10k agents, 10k in flight, by id, per message', await manyById(), 10e6));
  rows.push(ratioRow('call round trip', await callRoundTrip(), 1.5, 'promise round trip'));
  const restarts = await restart();
  rows.push({
    case: 'crash + restart (one_for_one)',
    ...restarts,
    goal: '< 20 us',
    met: restarts.subject.nsPerOp < 20_000,
  });
  const retained = await retainedAfterBurst();
  const spawned = spawnMillion();
  rows.push({
    case: 'spawn 1,000,000 idle agents, per spawn',
    subject: spawned.subject,
    baseline: spawned.baseline,
    goal: '< 10 us',
    met: spawned.subject.nsPerOp < 10_000,
  });
  report('@varplane/runtime', rows);

  const bytesMet = spawned.bytesPerAgent < 1024;
  const retainedMet = retained.bytes < 64 * 1024;
  console.log(
    [
      `retained heap per idle agent: ${spawned.bytesPerAgent.toFixed(0)} B (run-queue actor + map entry: ${spawned.bareBytes.toFixed(0)} B); goal < 1 KB ${bytesMet ? '(met)' : '(missed)'}`,
      `heap an idle agent keeps after a burst of ${AFTER_BURST.toLocaleString('en')} messages: ${(retained.bytes / 1024).toFixed(1)} KB; goal < 64 KB ${retainedMet ? '(met)' : '(missed)'}`,
    ].join('\n'),
  );
  console.log(
    `BENCH_JSON ${JSON.stringify({
      suite: '@varplane/runtime memory',
      rows: [
        {
          case: 'retained bytes per idle agent',
          bytesPerAgent: spawned.bytesPerAgent,
          baselineBytes: spawned.bareBytes,
          goal: '< 1 KB',
          met: bytesMet,
        },
        {
          case: `bytes an idle agent keeps after ${AFTER_BURST} messages`,
          bytes: retained.bytes,
          goal: '< 64 KB',
          met: retainedMet,
        },
      ],
    })}`,
  );
}

await main();
