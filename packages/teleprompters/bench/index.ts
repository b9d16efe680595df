/**
 * The optimizer benchmark, over generated team tasks none of the optimizers was tuned on.
 *
 * 1. Fraction of the optimum: for each generated task (`generated-tasks.ts`: closed-form value,
 *    exact optimum) and seed, random search, SIMBA, BEACON and successive halving over random
 *    proposals run with budgets of 50, 100, 200 and 400 evaluations (an evaluation is one
 *    candidate on a mini-batch of 8 examples, so N evaluations are 8N metric calls, validation
 *    included). The table gives the mean true value of the returned team as a fraction of the
 *    optimum, each optimizer's lead over random search (paired by task and seed) with its 95%
 *    interval, and how far the returned team is from the best team the optimizer evaluated.
 * 2. Overhead: a whole optimization of 400 evaluations on a real runtime team with a zero-latency
 *    simulated LM, per evaluated example, against the same number of bare team runs, alternating
 *    over rounds (median and range of the ratio).
 *
 * `--fast` runs 4 tasks x 2 seeds (for development); the default is 20 tasks x 5 seeds.
 * `--offset K` numbers the tasks from K (default 0), so development can measure on tasks held out
 * of the reported table.
 * `--strict` exits 1 while a goal is missed. `--tasks N`, `--seeds N`, `--skip-overhead`.
 * `--shard i/n --out file.json` runs only the tasks with index i mod n and saves their results;
 * `--merge a.json b.json ...` prints the table of saved shards (so a long run can use two cores).
 * `--only NAME` runs one optimizer (`simba`, `beacon`, `halving`; random search is deterministic
 * for a seed, so an earlier run's results stand); `--override c.json d.json` after `--merge`
 * replaces, for the optimizers they hold, the merged results by theirs (same shard order).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Configuration, JsonValue } from '@varplane/core';
import {
  beacon,
  createTeamSpace,
  type OptimizerRun,
  randomSearch,
  simba,
  type TeamRunner,
} from '../src';
import { type GeneratedTask, generateTask } from './generated-tasks';
import { measureOverhead } from './overhead';
import { successiveHalving } from './successive-halving';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const numberArg = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : undefined;
};
const fast = flag('--fast');
const TASKS = numberArg('--tasks') ?? (fast ? 4 : 20);
const SEEDS = numberArg('--seeds') ?? (fast ? 2 : 5);
const BATCH = 8;
const BUDGETS = [50, 100, 200, 400] as const;
const OPTIMIZERS = ['random', 'simba', 'beacon', 'halving'] as const;
type Optimizer = (typeof OPTIMIZERS)[number];
const LABEL: Record<Optimizer, string> = {
  random: 'random search',
  simba: 'SIMBA',
  beacon: 'BEACON',
  halving: 'successive halving',
};

/** Wraps a runner to see every configuration the optimizer evaluated. */
function watched(runner: TeamRunner): {
  runner: TeamRunner;
  seen: Set<string>;
  configs: Configuration[];
} {
  const seen = new Set<string>();
  const configs: Configuration[] = [];
  return {
    seen,
    configs,
    runner: {
      run(request) {
        const key = JSON.stringify(request.configuration);
        if (!seen.has(key)) {
          seen.add(key);
          configs.push(request.configuration);
        }
        return runner.run(request);
      },
    },
  };
}

async function optimize(
  name: Optimizer,
  task: GeneratedTask,
  seed: number,
  evaluations: number,
  runner: TeamRunner,
): Promise<Record<string, JsonValue>> {
  if (name === 'halving') {
    return successiveHalving(task, runner, seed, evaluations * BATCH, BATCH);
  }
  const common = {
    runner,
    seed,
    valset: task.valset,
    concurrency: 8,
    budget: { maxMetricCalls: evaluations * BATCH },
  };
  let run: OptimizerRun;
  if (name === 'simba') {
    run = simba(task.space, task.trainset, task.metric, {
      ...common,
      bsize: BATCH,
      numCandidates: 4,
      maxSteps: 1_000,
    });
  } else {
    const loop = { ...common, numTrials: 100_000, minibatchSize: BATCH, fullEvalEvery: 10 };
    run =
      name === 'beacon'
        ? beacon(task.space, task.trainset, task.metric, loop)
        : randomSearch(task.space, task.trainset, task.metric, loop);
  }
  const result = await run.result;
  return result.config.values as Record<string, JsonValue>;
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
const sd = (values: readonly number[]) => {
  const m = mean(values);
  return Math.sqrt(
    values.reduce((sum, value) => sum + (value - m) ** 2, 0) / Math.max(1, values.length - 1),
  );
};
/** Half-width of the 95% interval of a mean (normal approximation; n is 10 or more here). */
const half95 = (values: readonly number[]) => (1.96 * sd(values)) / Math.sqrt(values.length);

const started = Date.now();
const shardArg = args[args.indexOf('--shard') + 1];
const [shard, shards] = flag('--shard') ? (shardArg ?? '0/1').split('/').map(Number) : [0, 1];
const merging = flag('--merge');
const taskIds = Array.from({ length: TASKS }, (_, i) => i).filter(
  (i) => !merging && i % (shards as number) === shard,
);
const OFFSET = numberArg('--offset') ?? 0;
const tasks = taskIds.map((i) => generateTask(OFFSET + i));
console.log(`### @varplane/teleprompters: fraction of the optimum on generated team tasks\n`);
const optimumMean = mean(tasks.map((t) => t.optimum.value));
const givenMean = mean(
  tasks.map((t) => t.value(createTeamSpace(t.space).current) / t.optimum.value),
);

// fraction[budget][optimizer] = per (task, seed) fraction; best seen likewise.
const fraction: Record<number, Record<Optimizer, number[]>> = {};
const bestSeen: Record<number, Record<Optimizer, number[]>> = {};
for (const evaluations of BUDGETS) {
  fraction[evaluations] = { random: [], simba: [], beacon: [], halving: [] };
  bestSeen[evaluations] = { random: [], simba: [], beacon: [], halving: [] };
}
for (const task of tasks) {
  process.stderr.write(`${task.name} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  const team = createTeamSpace(task.space);
  const fill = (values: Configuration) => team.variables.validate({ ...team.current, ...values });
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const evaluations of BUDGETS) {
      for (const name of OPTIMIZERS) {
        if (flag('--only') && args[args.indexOf('--only') + 1] !== name) continue;
        const watch = watched(task.runner());
        const values = await optimize(name, task, seed, evaluations, watch.runner);
        const got = task.value(fill(values)) / task.optimum.value;
        const top = Math.max(...watch.configs.map((c) => task.value(c))) / task.optimum.value;
        (fraction[evaluations] as Record<Optimizer, number[]>)[name].push(got);
        (bestSeen[evaluations] as Record<Optimizer, number[]>)[name].push(top);
      }
    }
  }
}

interface Saved {
  tasks: number;
  seeds: number;
  optimumMean: number;
  givenMean: number;
  fraction: typeof fraction;
  bestSeen: typeof bestSeen;
}
let header = { tasks: taskIds.length, seeds: SEEDS, optimumMean, givenMean };
if (flag('--out')) {
  const saved: Saved = { ...header, fraction, bestSeen };
  writeFileSync(args[args.indexOf('--out') + 1] as string, JSON.stringify(saved));
}
if (merging) {
  const listAfter = (option: string) => {
    if (!flag(option)) return [];
    const rest = args.slice(args.indexOf(option) + 1);
    const end = rest.findIndex((arg) => arg.startsWith('--'));
    return end < 0 ? rest : rest.slice(0, end);
  };
  const load = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Saved;
  const parts = listAfter('--merge').map(load);
  const overrides = listAfter('--override').map(load);
  const total = parts.reduce((sum, part) => sum + part.tasks, 0);
  header = {
    tasks: total,
    seeds: parts[0]?.seeds ?? 0,
    optimumMean: parts.reduce((sum, part) => sum + part.optimumMean * part.tasks, 0) / total,
    givenMean: parts.reduce((sum, part) => sum + part.givenMean * part.tasks, 0) / total,
  };
  for (const part of parts) {
    for (const evaluations of BUDGETS) {
      for (const name of OPTIMIZERS) {
        (fraction[evaluations] as Record<Optimizer, number[]>)[name].push(
          ...(part.fraction[evaluations] as Record<Optimizer, number[]>)[name],
        );
        (bestSeen[evaluations] as Record<Optimizer, number[]>)[name].push(
          ...(part.bestSeen[evaluations] as Record<Optimizer, number[]>)[name],
        );
      }
    }
  }
  for (const name of OPTIMIZERS) {
    const held = overrides.filter(
      (part) => (part.fraction[50] as Record<Optimizer, number[]>)[name].length > 0,
    );
    if (held.length === 0) continue;
    for (const evaluations of BUDGETS) {
      (fraction[evaluations] as Record<Optimizer, number[]>)[name] = held.flatMap(
        (part) => (part.fraction[evaluations] as Record<Optimizer, number[]>)[name],
      );
      (bestSeen[evaluations] as Record<Optimizer, number[]>)[name] = held.flatMap(
        (part) => (part.bestSeen[evaluations] as Record<Optimizer, number[]>)[name],
      );
    }
  }
}
console.log(
  `${header.tasks} generated tasks x ${header.seeds} seeds; an evaluation = 1 candidate x ${BATCH} examples; optimum by exact enumeration (mean ${header.optimumMean.toFixed(3)} accuracy; the given team reaches ${header.givenMean.toFixed(3)} of it on average)\n`,
);

const cell = (values: readonly number[]) =>
  `${mean(values).toFixed(3)} ± ${half95(values).toFixed(3)}`;
const lead = (evaluations: number, name: Optimizer) => {
  const row = fraction[evaluations] as Record<Optimizer, number[]>;
  return row[name].map((value, i) => value - (row.random[i] as number));
};
const lines = [
  `| evaluations (metric calls) | ${OPTIMIZERS.map((name) => LABEL[name]).join(' | ')} | ${OPTIMIZERS.filter(
    (n) => n !== 'random',
  )
    .map((name) => `${LABEL[name]} lead`)
    .join(' | ')} |`,
  `|---|${OPTIMIZERS.map(() => '---').join('|')}|${OPTIMIZERS.filter((n) => n !== 'random')
    .map(() => '---')
    .join('|')}|`,
  ...BUDGETS.map((evaluations) => {
    const row = fraction[evaluations] as Record<Optimizer, number[]>;
    return `| ${evaluations} (${evaluations * BATCH}) | ${OPTIMIZERS.map((name) => cell(row[name])).join(' | ')} | ${OPTIMIZERS.filter(
      (n) => n !== 'random',
    )
      .map((name) => {
        const d = lead(evaluations, name);
        return `${mean(d) >= 0 ? '+' : ''}${mean(d).toFixed(3)} [${(mean(d) - half95(d)).toFixed(3)}, ${(mean(d) + half95(d)).toFixed(3)}]`;
      })
      .join(' | ')} |`;
  }),
];
console.log(
  'Mean fraction of the optimum ± 95% interval; lead = paired difference from random search [95% interval]:\n',
);
console.log(`${lines.join('\n')}\n`);

const gapLines = [
  `| evaluations | ${OPTIMIZERS.map((name) => LABEL[name]).join(' | ')} |`,
  `|---|${OPTIMIZERS.map(() => '---').join('|')}|`,
  ...BUDGETS.map((evaluations) => {
    const row = fraction[evaluations] as Record<Optimizer, number[]>;
    const top = bestSeen[evaluations] as Record<Optimizer, number[]>;
    return `| ${evaluations} | ${OPTIMIZERS.map((name) => {
      const gaps = top[name].map((best, i) => best - (row[name][i] as number));
      return `${mean(top[name]).toFixed(3)} (gap ${mean(gaps).toFixed(3)})`;
    }).join(' | ')} |`;
  }),
];
console.log(
  'Best candidate evaluated, as a fraction of the optimum, and the mean gap to the returned one:\n',
);
console.log(`${gapLines.join('\n')}\n`);

const goals: { goal: string; met: boolean }[] = [];
for (const name of ['simba', 'beacon'] as const) {
  for (const evaluations of [100, 200, 400] as const) {
    const d = lead(evaluations, name);
    const low = mean(d) - half95(d);
    goals.push({
      goal: `${LABEL[name]} beats random search at ${evaluations} beyond the 95% interval: lead ${mean(d).toFixed(3)}, lower bound ${low.toFixed(3)}`,
      met: low > 0,
    });
  }
  const at200 = fraction[200] as Record<Optimizer, number[]>;
  const target = mean(at200.random) + (1 - mean(at200.random)) / 2;
  goals.push({
    goal: `${LABEL[name]} closes half of random search's gap at 200: ${mean(at200[name]).toFixed(3)} vs ${target.toFixed(3)}`,
    met: mean(at200[name]) >= target,
  });
  const gaps = BUDGETS.flatMap((evaluations) => {
    const row = (fraction[evaluations] as Record<Optimizer, number[]>)[name];
    return (bestSeen[evaluations] as Record<Optimizer, number[]>)[name].map(
      (best, i) => best - (row[i] as number),
    );
  });
  goals.push({
    goal: `${LABEL[name]}'s returned team is within 0.02 of the best it evaluated, on average: ${mean(gaps).toFixed(3)}`,
    met: mean(gaps) <= 0.02,
  });
}

let overheadRows: Awaited<ReturnType<typeof measureOverhead>> = [];
if (!flag('--skip-overhead') && !flag('--shard')) {
  overheadRows = await measureOverhead(fast ? 3 : 5);
  console.log(
    'Optimizer overhead per evaluated example at 400 evaluations (runtime team, zero-latency simulated LM), alternating with bare team runs:\n',
  );
  console.log(
    '| optimizer | bare team run | optimization per example | overhead (median, min-max over rounds) |',
  );
  console.log('|---|---|---|---|');
  for (const row of overheadRows) {
    console.log(
      `| ${row.name} | ${(row.bareNs / 1e3).toFixed(0)} us | ${(row.subjectNs / 1e3).toFixed(0)} us | ${(100 * row.median).toFixed(1)}% (${(100 * row.min).toFixed(1)}% to ${(100 * row.max).toFixed(1)}%) |`,
    );
    goals.push({
      goal: `${row.name} overhead under 10% of a zero-latency team run at 400 evaluations: ${(100 * row.median).toFixed(1)}%`,
      met: row.median < 0.1,
    });
  }
  console.log('');
}

console.log('Goals:\n');
console.log(goals.map((g) => `- ${g.met ? 'met' : 'MISSED'}: ${g.goal}`).join('\n'));
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
console.log(
  `\nBENCH_JSON ${JSON.stringify({
    suite: 'teleprompters generated tasks',
    tasks: header.tasks,
    seeds: header.seeds,
    rows: BUDGETS.map((evaluations) => ({
      evaluations,
      ...Object.fromEntries(
        OPTIMIZERS.map((name) => {
          const values = (fraction[evaluations] as Record<Optimizer, number[]>)[name];
          return [name, { mean: mean(values), half95: half95(values) }];
        }),
      ),
    })),
    overhead: overheadRows,
    goals,
  })}`,
);
if (flag('--strict') && goals.some((g) => !g.met)) process.exitCode = 1;
