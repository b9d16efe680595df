/**
 * The optimizing part of the demo: BootstrapFewShot, SIMBA and BEACON improve the whole team
 * (coders on duty, topology, token split, each coder's temperature, instruction and demos) on a
 * training set; every team is then scored on tasks none of them trained on.
 */
import type { MultiAgentSpace } from '@varplane/core';
import {
  applyTeamConfig,
  beacon,
  bootstrapFewShot,
  evaluateTeamPerformance,
  type OptimizationResult,
  type OptimizerRun,
  simba,
  type TeamConfig,
  type TeamExample,
} from '@varplane/teleprompters';
import type { DemoOptions, OPTIMIZERS } from './cli';
import { bar, type Output } from './output';
import { type SoftwareTeam, testerMetric } from './software-team';

export interface TeamScore {
  readonly name: string;
  readonly score: number;
  readonly tokens: number;
  readonly timeMs: number;
  /** Test runs, and how many of them failed (no coder answered). */
  readonly runs: number;
  readonly failures: number;
  readonly config?: TeamConfig;
}

type OptimizerName = Exclude<(typeof OPTIMIZERS)[number], 'all'>;

/** Scores a team on examples it was not optimized on. */
export async function scoreTeam(
  name: string,
  team: SoftwareTeam,
  space: MultiAgentSpace,
  testset: readonly TeamExample[],
  seed: number,
): Promise<TeamScore> {
  const started = performance.now();
  const result = await evaluateTeamPerformance(space, testset, testerMetric, {
    runner: team.runner,
    seed,
    concurrency: 4,
    ablation: false,
    faultInjection: false,
  });
  return {
    name,
    score: result.overallScore,
    tokens: result.usage.tokens,
    timeMs: performance.now() - started,
    runs: result.examples,
    failures: result.failures,
  };
}

function start(
  name: OptimizerName,
  space: MultiAgentSpace,
  team: SoftwareTeam,
  trainset: readonly TeamExample[],
  options: DemoOptions,
): OptimizerRun {
  const common = {
    runner: team.runner,
    seed: options.seed,
    concurrency: 4,
    budget: { maxMetricCalls: options.budget },
  };
  switch (name) {
    case 'bootstrap':
      return bootstrapFewShot(space, trainset, {
        ...common,
        metric: testerMetric,
        maxBootstrappedDemos: 3,
        maxRounds: 1,
      });
    case 'simba':
      return simba(space, trainset, testerMetric, { ...common, bsize: 6, numCandidates: 4 });
    case 'beacon':
      return beacon(space, trainset, testerMetric, { ...common, minibatchSize: 6 });
  }
}

const LABELS: Readonly<Record<OptimizerName, string>> = {
  bootstrap: 'bootstrapFewShot',
  simba: 'simba',
  beacon: 'beacon',
};

/** Runs the chosen optimizers one after the other, each from the same starting team. */
export async function optimizeTeam(
  space: MultiAgentSpace,
  team: SoftwareTeam,
  trainset: readonly TeamExample[],
  options: DemoOptions,
  out: Output,
  onRun?: (run: OptimizerRun, name: string) => void,
): Promise<{ name: string; result: OptimizationResult }[]> {
  const names =
    options.optimizer === 'all' ? (['bootstrap', 'simba', 'beacon'] as const) : [options.optimizer];
  const results: { name: string; result: OptimizationResult }[] = [];
  for (const name of names) {
    const run = start(name, space, team, trainset, options);
    onRun?.(run, LABELS[name]);
    let trials = 0;
    let best = Number.NaN;
    let last = Number.NaN;
    let used = 0;
    const score = (x: number) => (Number.isNaN(x) ? '-' : x.toFixed(2));
    const subscription = run.progress$.subscribe((event) => {
      if (event.type === 'trial-finished') {
        trials += 1;
        last = event.score;
      }
      if (event.type === 'best-improved') best = event.score;
      if (event.type === 'budget-used') used = event.usage.metricCalls;
      out.progress(
        `  ${LABELS[name].padEnd(16)} ${bar(used / options.budget)} trial ${trials} scored ${score(last)}, best ${score(best)}, budget ${used}/${options.budget} runs`,
      );
    });
    try {
      const result = await run.result;
      out.done(
        `  ${LABELS[name].padEnd(16)} ${bar(result.usage.metricCalls / options.budget)} ${result.trials.length} trials, best ${result.score === null ? '-' : result.score.toFixed(2)} (${result.config.scoredOn}), ${result.usage.metricCalls}/${options.budget} runs, ${result.stopReason}`,
      );
      results.push({ name: LABELS[name], result });
    } finally {
      subscription.unsubscribe();
    }
  }
  return results;
}

/** The optimized team as a value: the starting team with the configuration applied. */
export function optimizedSpace(space: MultiAgentSpace, config: TeamConfig): MultiAgentSpace {
  return applyTeamConfig(space, config);
}
