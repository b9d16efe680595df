/**
 * The optimizer benchmark: the synthetic team task of `team-task.ts` on the simulated LM, run for
 * real on `@varplane/runtime` (agentized programs, one `startSpace` per team run).
 *
 * 1. Fraction of the optimum reached by random search, SIMBA and BEACON for budgets of 50, 100
 *    and 200 evaluations, over 10 seeds (mean and standard deviation). An evaluation is one
 *    candidate team on a mini-batch of 8 examples, so a budget of N evaluations is 8N metric calls,
 *    everything included (SIMBA's sampling runs, validation runs).
 * 2. The optimizers' own overhead per evaluated example with a zero-latency LM: the time of a
 *    whole optimization per team run, beside the time of the same number of bare team runs.
 */
import { measure, report } from '@varplane/bench-kit';
import {
  beacon,
  createTeamSpace,
  type OptimizerRun,
  randomSearch,
  simba,
  type TeamRunner,
} from '../src';
import {
  agentPrograms,
  exact,
  optimum,
  runtimeTeam,
  simulatedModel,
  taskExamples,
  toTeamExample,
  trueValue,
} from './team-task';

const BATCH = 8;
const BUDGETS = [50, 100, 200] as const;
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const OPTIMIZERS = ['random', 'simba', 'beacon'] as const;
type Optimizer = (typeof OPTIMIZERS)[number];

const train = taskExamples(12);
const validation = taskExamples(8, 100);
const test = taskExamples(20, 200);
const everything = [...train, ...validation, ...test];
const programs = agentPrograms(train);
const trainset = train.map(toTeamExample);
const valset = validation.map(toTeamExample);

// Ground truth is judged on a model of its own, so no optimization's draws are consumed.
const judge = simulatedModel(everything, 0);
const reference = runtimeTeam(programs, judge);
const team = createTeamSpace(reference.space);
const best = await trueValue(
  programs,
  judge,
  team.variables.validate(optimum(team.current, train)),
  test,
);
const start = await trueValue(programs, judge, team.current, test);

function optimize(
  name: Optimizer,
  seed: number,
  evaluations: number,
  runner: TeamRunner,
  space = reference.space,
): OptimizerRun {
  const common = {
    runner,
    seed,
    valset,
    concurrency: 8,
    budget: { maxMetricCalls: evaluations * BATCH },
  };
  if (name === 'simba') {
    return simba(space, trainset, exact, {
      ...common,
      bsize: BATCH,
      numCandidates: 4,
      maxSteps: 1_000,
    });
  }
  const loop = { ...common, numTrials: 100_000, minibatchSize: BATCH, fullEvalEvery: 10 };
  return name === 'beacon'
    ? beacon(space, trainset, exact, loop)
    : randomSearch(space, trainset, exact, loop);
}

const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / values.length;
const deviation = (values: readonly number[]) => {
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, value) => sum + (value - m) ** 2, 0) / (values.length - 1));
};

console.log(
  `### @varplane/teleprompters: fraction of the optimum (synthetic team task, simulated LM, runtime)\n`,
);
console.log(
  `optimum true accuracy ${best.toFixed(3)}; the given team ${start.toFixed(3)} (${(start / best).toFixed(3)} of it); ` +
    `${SEEDS.length} seeds; an evaluation = 1 candidate x ${BATCH} examples\n`,
);

const fractions: Record<string, Record<Optimizer, number[]>> = {};
for (const evaluations of BUDGETS) {
  const row = { random: [], simba: [], beacon: [] } as Record<Optimizer, number[]>;
  for (const name of OPTIMIZERS) {
    for (const seed of SEEDS) {
      const { space, runner } = runtimeTeam(programs, simulatedModel(everything, seed));
      const result = await optimize(name, seed, evaluations, runner, space).result;
      row[name].push((await trueValue(programs, judge, result.config.values, test)) / best);
    }
  }
  fractions[evaluations] = row;
}

const cell = (values: readonly number[]) =>
  `${mean(values).toFixed(3)} ± ${deviation(values).toFixed(3)}`;
const lines = [
  '| evaluations (metric calls) | random search | SIMBA | BEACON |',
  '|---|---|---|---|',
  ...BUDGETS.map((evaluations) => {
    const row = fractions[evaluations] as Record<Optimizer, number[]>;
    return `| ${evaluations} (${evaluations * BATCH}) | ${cell(row.random)} | ${cell(row.simba)} | ${cell(row.beacon)} |`;
  }),
];
console.log(`${lines.join('\n')}\n`);

const goals: string[] = [];
const at200 = fractions[200] as Record<Optimizer, number[]>;
for (const name of ['simba', 'beacon'] as const) {
  const reached = mean(at200[name]);
  goals.push(
    `${name} reaches 0.95 of the optimum at 200: ${reached.toFixed(3)} (${reached >= 0.95 ? 'met' : 'missed'})`,
  );
  for (const evaluations of [50, 100] as const) {
    const row = fractions[evaluations] as Record<Optimizer, number[]>;
    const gap = mean(row[name]) - mean(row.random);
    const spread = Math.max(deviation(row[name]), deviation(row.random));
    goals.push(
      `${name} beats random at ${evaluations} by more than the spread: ${gap.toFixed(3)} vs ${spread.toFixed(3)} (${gap > spread ? 'met' : 'missed'})`,
    );
  }
}
console.log(goals.map((goal) => `- ${goal}`).join('\n'));
console.log(
  `\nBENCH_JSON ${JSON.stringify({
    suite: 'teleprompters fraction of optimum',
    optimum: best,
    start,
    rows: BUDGETS.map((evaluations) => ({
      evaluations,
      metricCalls: evaluations * BATCH,
      ...Object.fromEntries(
        OPTIMIZERS.map((name) => {
          const values = (fractions[evaluations] as Record<Optimizer, number[]>)[name];
          return [name, { mean: mean(values), sd: deviation(values), values }];
        }),
      ),
    })),
  })}\n`,
);

// Overhead: a whole optimization of 50 evaluations per team run, against bare team runs.
const zeroLatency = runtimeTeam(programs, simulatedModel(everything, 99));
const calls = 50 * BATCH;
const bare = await measure(
  'bare team runs',
  async () => {
    const space = zeroLatency.space;
    const configuration = team.current;
    const signal = new AbortController().signal;
    for (let start = 0; start < calls; start += 8) {
      await Promise.all(
        Array.from({ length: 8 }, (_, k) =>
          zeroLatency.runner.run({
            space,
            configuration,
            example: trainset[(start + k) % trainset.length] as (typeof trainset)[number],
            exampleIndex: 0,
            seed: start + k,
            runId: `bare-${start + k}`,
            limits: {},
            faults: [],
            signal,
          }),
        ),
      );
    }
  },
  { opsPerCall: calls, minTimeMs: 1_500, maxWarmupMs: 300 },
);
const rows = [];
for (const name of OPTIMIZERS) {
  const used = (await optimize(name, 1, 50, zeroLatency.runner, zeroLatency.space).result).usage
    .metricCalls;
  const subject = await measure(
    `${name} per evaluated example`,
    async () => {
      await optimize(name, 1, 50, zeroLatency.runner, zeroLatency.space).result;
    },
    { opsPerCall: used, minTimeMs: 1_500, maxWarmupMs: 300 },
  );
  rows.push({
    case: `${name === 'random' ? 'random search' : name === 'simba' ? 'SIMBA' : 'BEACON'}: a whole optimization, per evaluated example`,
    subject,
    baseline: bare,
    goal: `overhead = ${((subject.nsPerOp - bare.nsPerOp) / 1e3).toFixed(1)} us/example over a bare team run`,
  });
}
report(
  '@varplane/teleprompters: optimizer overhead (zero-latency simulated LM, runtime team)',
  rows,
);
