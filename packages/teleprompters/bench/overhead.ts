/**
 * The optimizers' own cost per evaluated example at 400 evaluations, on a real runtime team
 * (agentized programs on `@varplane/runtime`, one `startSpace` per run) with a zero-latency
 * simulated LM: a whole optimization's time per metric call, against the same number of bare team
 * runs, the two alternating over rounds so the ratio holds on a noisy machine.
 */
import { beacon, createTeamSpace, type OptimizerRun, randomSearch, simba } from '../src';
import {
  agentPrograms,
  exact,
  runtimeTeam,
  simulatedModel,
  taskExamples,
  toTeamExample,
} from './team-task';

const BATCH = 8;
const EVALUATIONS = 400;

export interface OverheadRow {
  readonly name: string;
  readonly bareNs: number;
  readonly subjectNs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export async function measureOverhead(rounds: number): Promise<OverheadRow[]> {
  const train = taskExamples(12);
  const validation = taskExamples(8, 100);
  const programs = agentPrograms(train);
  const trainset = train.map(toTeamExample);
  const valset = validation.map(toTeamExample);
  const team = runtimeTeam(programs, simulatedModel([...train, ...validation], 99));
  const current = createTeamSpace(team.space).current;
  const signal = new AbortController().signal;

  const start = (name: string, seed: number): OptimizerRun => {
    const common = {
      runner: team.runner,
      seed,
      valset,
      concurrency: 8,
      budget: { maxMetricCalls: EVALUATIONS * BATCH },
    };
    if (name === 'SIMBA') {
      return simba(team.space, trainset, exact, {
        ...common,
        bsize: BATCH,
        numCandidates: 4,
        maxSteps: 1_000,
      });
    }
    const loop = { ...common, numTrials: 100_000, minibatchSize: BATCH, fullEvalEvery: 10 };
    return name === 'BEACON'
      ? beacon(team.space, trainset, exact, loop)
      : randomSearch(team.space, trainset, exact, loop);
  };
  const optimization = async (name: string, seed: number) => {
    const began = process.hrtime.bigint();
    const result = await start(name, seed).result;
    return { ns: Number(process.hrtime.bigint() - began), runs: result.usage.metricCalls };
  };
  // The same number of runs of the given team, 8 at a time as the optimizers run them.
  const bare = async (runs: number) => {
    const began = process.hrtime.bigint();
    for (let done = 0; done < runs; done += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, runs - done) }, (_, k) =>
          team.runner.run({
            space: team.space,
            configuration: current,
            example: trainset[(done + k) % trainset.length] as (typeof trainset)[number],
            exampleIndex: 0,
            seed: done + k,
            runId: `bare-${done + k}`,
            limits: {},
            faults: [],
            signal,
          }),
        ),
      );
    }
    return Number(process.hrtime.bigint() - began) / runs;
  };

  const rows: OverheadRow[] = [];
  await optimization('random search', 0); // warm-up
  for (const name of ['random search', 'SIMBA', 'BEACON']) {
    const ratios: number[] = [];
    const bares: number[] = [];
    const subjects: number[] = [];
    for (let round = 0; round < rounds; round++) {
      let subject: number;
      let base: number;
      // Which side goes first flips each round; both run the same number of team runs.
      if (round % 2 === 0) {
        const run = await optimization(name, round + 1);
        subject = run.ns / run.runs;
        base = await bare(run.runs);
      } else {
        base = await bare(EVALUATIONS * BATCH);
        const run = await optimization(name, round + 1);
        subject = run.ns / run.runs;
      }
      bares.push(base);
      subjects.push(subject);
      ratios.push(subject / base - 1);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] as number;
    rows.push({
      name,
      bareNs: median(bares),
      subjectNs: median(subjects),
      median: median(ratios),
      min: sorted[0] as number,
      max: sorted.at(-1) as number,
    });
  }
  return rows;
}
