/**
 * The whole demo as one function, so the command line and the smoke test run the same thing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { MultiAgentSpace } from '@varplane/core';
import {
  createDashboard,
  createRunLog,
  type Dashboard,
  type RunLog,
  startMonitoring,
} from '@varplane/telemetry';
import {
  applyTeamConfig,
  type ProgressEvent,
  parseTeamConfig,
  serializeTeamConfig,
  type TeamConfig,
} from '@varplane/teleprompters';
import type { Observable } from 'rxjs';
import type { DemoOptions } from './cli';
import { type ClusterDemoResult, runClusterDemo } from './cluster-demo';
import { runLiveTeam } from './live-team';
import { optimizeTeam, scoreTeam, type TeamScore } from './optimize';
import { createOutput, type Output, table } from './output';
import { codingTasks, demoModel, softwareTeam, toTeamExample } from './software-team';

export interface DemoResult {
  readonly simulated: boolean;
  readonly scores: readonly TeamScore[];
  /** Where the best team's configuration was written, when one was. */
  readonly configPath?: string;
  readonly live?: {
    tasksDone: number;
    tasksFailed: number;
    crashes: number;
    restarts: number;
    consensusAccepted: boolean;
  };
  /** Under `--nodes`: the placement, the move and the failover. */
  readonly cluster?: ClusterDemoResult;
}

// Tasks are split once: demos come from their own pool, optimizers see the training set, and every
// team is scored on the test set, which no optimizer ever ran.
const demoPool = codingTasks(4, 0);
const trainset = codingTasks(10, 10).map(toTeamExample);
const testset = codingTasks(20, 40).map(toTeamExample);

export interface DemoHooks {
  /** Resolves when the user asks the demo to stop (default: on SIGINT or SIGTERM). */
  readonly untilStopped?: () => Promise<void>;
  /** Called with the dashboard once it is up (under `--dashboard`). */
  readonly onDashboard?: (dashboard: Dashboard) => void;
}

export async function runDemo(
  options: DemoOptions,
  out: Output,
  hooks: DemoHooks = {},
): Promise<DemoResult> {
  const { lm, simulated } = demoModel(options.seed);
  // Under --dashboard every team the demo runs (the live one, the optimizers' candidates and the
  // scored ones) copies its turns and LM calls into the run view's log.
  // A full run makes about 1,700 (three optimizers' budgets and four scorings): all of them fit.
  const runLog = options.dashboard ? createRunLog({ maxRuns: 5_000 }) : undefined;
  const team = softwareTeam(lm, demoPool, runLog === undefined ? {} : { runLog });
  out.say(out.bold('varplane: a software team, run, healed, negotiated and optimized'));
  out.say(
    simulated
      ? 'Running on the simulated language model: a seeded simulation, not a real model. Set VARPLANE_LM_BASE_URL to use one.'
      : `Running on ${lm.provider} model ${lm.modelId}.`,
  );
  out.say(`Seed ${options.seed}. Team: ${Object.keys(team.space.agents).join(', ')}.`);

  if (options.config !== undefined) return replayConfig(options, out, team);
  if (options.nodes !== undefined) {
    const cluster = await runClusterDemo(
      {
        nodes: options.nodes,
        seed: options.seed,
        ...(options.dashboard
          ? {
              dashboard: {
                print: (line: string) =>
                  (options.json ? process.stderr : process.stdout).write(`${line}\n`),
                ...(hooks.onDashboard === undefined ? {} : { onDashboard: hooks.onDashboard }),
              },
            }
          : {}),
      },
      out,
      (hooks.untilStopped ?? interrupted)(),
    );
    return { simulated, scores: [], ...(cluster === undefined ? {} : { cluster }) };
  }

  out.section('1. The team at work, under supervision');
  let stopDashboard: (() => Promise<void>) | undefined;
  let attach: ((progress$: Observable<ProgressEvent>) => void) | undefined;
  const live = await runLiveTeam(team, out, {
    seed: options.seed,
    keepRunning: options.dashboard,
    onStart: async (running) => {
      if (!options.dashboard) return;
      const monitor = startMonitoring(running, { collectionIntervalMs: 500 });
      // The URL carries the token; under --json it goes to stderr, so stdout stays one document.
      const dashboard = await createDashboard(monitor, {
        print: (line) => (options.json ? process.stderr : process.stdout).write(`${line}\n`),
        ...(runLog === undefined ? {} : { runLog }),
      });
      hooks.onDashboard?.(dashboard);
      stopDashboard = async () => {
        await dashboard.close();
        monitor.stop();
      };
      attach = (progress$) => dashboard.attachOptimizer(progress$);
    },
  });

  try {
    out.section(
      `2. Optimizing the whole team (${trainset.length} training tasks, ${options.budget} scored runs each)`,
    );
    const results = await optimizeTeam(live.space, team, trainset, options, out, (run) =>
      attach?.(run.progress$),
    );

    out.section(`3. Every team on ${testset.length} tasks none of them trained on`);
    const scores: TeamScore[] = [await scoreFresh('baseline', live.space, options.seed, runLog)];
    for (const { name, result } of results) {
      const scored = await scoreFresh(
        name,
        applyTeamConfig(live.space, result.config),
        options.seed,
        runLog,
      );
      scores.push({ ...scored, config: result.config });
    }
    printScores(scores, out);
    const best = bestOf(scores);
    let configPath: string | undefined;
    if (best?.config !== undefined) {
      configPath = resolve(options.out);
      await writeFile(configPath, serializeTeamConfig(best.config));
      out.always(
        `The ${best.name} team's configuration is in ${configPath}; load it with --config.`,
      );
    } else {
      out.always('No configuration written: no optimized team answered a single test task.');
    }
    return {
      simulated,
      scores,
      ...(configPath === undefined ? {} : { configPath }),
      live: {
        tasksDone: live.tasksDone,
        tasksFailed: live.tasksFailed,
        crashes: live.crashes,
        restarts: live.restarts,
        consensusAccepted: live.consensus.accepted,
      },
    };
  } finally {
    if (stopDashboard !== undefined) {
      out.always('The dashboard stays up with the live team; press Ctrl+C to stop.');
      await (hooks.untilStopped ?? interrupted)();
    }
    await live.stop();
    await stopDashboard?.();
  }
}

/** Resolves on the first Ctrl+C (or SIGTERM), so a dashboard can be looked at after the run. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

async function replayConfig(
  options: DemoOptions,
  out: Output,
  team: ReturnType<typeof softwareTeam>,
): Promise<DemoResult> {
  const path = resolve(options.config as string);
  const config: TeamConfig = parseTeamConfig(await readFile(path, 'utf8'));
  out.section(`Scoring the team configuration in ${path}`);
  // The baseline is the team the optimizers started from: the live scene's negotiated
  // temperatures and agreed topology, rebuilt by running the scene again without narration.
  const live = await runLiveTeam(team, createOutput({ quiet: true, json: true }), {
    seed: options.seed,
  });
  const baseline = await scoreFresh('baseline', live.space, options.seed);
  const loaded = await scoreFresh(
    `loaded (${config.source.optimizer})`,
    applyTeamConfig(live.space, config),
    options.seed,
  );
  const scores = [baseline, { ...loaded, config }];
  printScores(scores, out);
  return { simulated: true, scores };
}

/**
 * Scores a team on the test set with a team built afresh: the simulated model varies its answer
 * to a request it has seen before, so reusing a team that already worked would make a score
 * depend on what ran earlier, and a written configuration could not reproduce it.
 */
function scoreFresh(
  name: string,
  space: MultiAgentSpace,
  seed: number,
  runLog?: RunLog,
): Promise<TeamScore> {
  // Every evaluation numbers its runs from 1: the label keeps each scoring's runs apart in the log.
  const team = softwareTeam(
    demoModel(seed).lm,
    demoPool,
    runLog === undefined ? {} : { runLog, runLabel: `scoring ${name}` },
  );
  return scoreTeam(name, team, space, testset, seed);
}

/** The best optimized team; a team whose every test run failed is no candidate, however it scored. */
function bestOf(scores: readonly TeamScore[]): TeamScore | undefined {
  return scores
    .filter((s) => s.config !== undefined && s.failures < s.runs)
    .sort((a, b) => b.score - a.score)[0];
}

function printScores(scores: readonly TeamScore[], out: Output): void {
  out.always();
  out.always(
    table(
      ['team', 'score', 'failed', 'tokens', 'time'],
      scores.map((s) => [
        s.name,
        s.score.toFixed(3),
        `${s.failures}/${s.runs}`,
        String(s.tokens),
        `${(s.timeMs / 1000).toFixed(2)} s`,
      ]),
    ),
  );
  out.always();
}
