import {
  type Clock,
  type Configuration,
  createRandom,
  type JsonValue,
  type MultiAgentSpace,
  systemClock,
  type TraceRecord,
} from '@varplane/core';
import { Subject } from 'rxjs';
import { z } from 'zod';
import { type Budget, type BudgetUsage, budgetSchema } from './budget';
import { inputError } from './errors';
import { type Candidate, createEngine, type RunRecord } from './internal/engine';
import { pairedCredit } from './internal/paired-credit';
import { parseOrThrow } from './internal/parse';
import { mean } from './internal/stats';
import type { ProgressEvent } from './progress';
import { type TeamExample, teamExampleSchema } from './team-example';
import type { TeamMetric, TeamRunner } from './team-runner';
import { createTeamSpace, orchestrationTypeTag, type TeamSpace } from './team-space';

/** An agent's credit: the mean score lost without it, over paired runs, with an interval. */
export interface AgentCredit {
  /** Mean over pairs of (score with the agent) - (score without it, same example and seed). */
  readonly credit: number;
  /** The interval's bounds (a percentile bootstrap over the pairs). */
  readonly low: number;
  readonly high: number;
  /** How many pairs the credit averages (0: it was not measured, and is 0). */
  readonly pairs: number;
}

/** Options of {@link evaluateTeamPerformance}. */
export interface TeamPerformanceOptions {
  /** Runs the team on one example (for example a runtime runner over `startSpace`). */
  readonly runner: TeamRunner;
  /** Seeds the runs (default 0); every pass uses the same seed per example. */
  readonly seed?: number;
  /** Team runs at once (default 4). */
  readonly concurrency?: number;
  /** Ceilings for all passes together; passes the budget cuts short are measured on what ran. */
  readonly budget?: Budget;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Measure each agent's credit by running without it (default true). */
  readonly ablation?: boolean;
  /** Confidence of each agent's credit interval, in (0, 1) (default 0.95). */
  readonly confidence?: number;
  /** Measure fault tolerance by making each active agent fail (default true). */
  readonly faultInjection?: boolean;
  /** Called with every progress event. */
  readonly onProgress?: (event: ProgressEvent) => void;
}

/** The API card's `team_performance_result`, measured. */
export interface TeamPerformanceResult {
  /** Mean metric score of the team as configured. */
  readonly overallScore: number;
  /**
   * Credit per agent: the score lost when the agent is left out (taken out of its
   * `agent_selection`, or made to fail when no selection governs it) on the same examples.
   */
  readonly individualScores: Readonly<Record<string, number>>;
  /**
   * Each agent's credit with its interval: the paired differences (same example, same seed, with
   * and without the agent) averaged, and a bootstrap interval at `confidence`. A runner that
   * passes the seed on to its model (see `createRuntimeTeamRunner`) makes the pairs exact: an
   * agent that cannot change the answer gets 0 with an interval of [0, 0].
   */
  readonly individualCredit: Readonly<Record<string, AgentCredit>>;
  /** Share of the team's LM tokens spent by agents whose credit is positive, in [0, 1]. */
  readonly coordinationEfficiency: number;
  /** Share of the team's agents that did any work, in [0, 1]. */
  readonly resourceUtilization: number;
  /** Messages agents sent one another per agent step (the runner's own calls are not counted). */
  readonly communicationOverhead: number;
  /** Mean share of the score kept when one active agent is made to fail, in [0, 1]. */
  readonly faultToleranceScore: number;
  /**
   * How fast the team adapts to a failed agent, in [0, 1]: per fault run, the normal run's time
   * over the fault run's (1 when the team answers as fast; 0 when it does not answer).
   */
  readonly adaptationSpeed: number;
  /** Milliseconds the main pass took on the clock. */
  readonly executionTime: number;
  /** Peak memory a run of the main pass took, in bytes, as the runner measured it (0 when it does not). */
  readonly memoryUsage: number;
  /** Steps each agent took in the main pass. */
  readonly agentActivations: Readonly<Record<string, number>>;
  readonly examples: number;
  /** Runs that failed in any pass (team error, metric threw). */
  readonly failures: number;
  readonly usage: BudgetUsage;
  /** False when the budget cut a pass short. */
  readonly complete: boolean;
}

const optionsSchema = z.strictObject({
  runner: z.custom<TeamRunner>(
    (value) => typeof (value as TeamRunner | null)?.run === 'function',
    'must be an object with run()',
  ),
  seed: z.int().default(0),
  concurrency: z.int().positive().default(4),
  budget: budgetSchema.default({}),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'must be an AbortSignal')
    .optional(),
  clock: z
    .custom<Clock>((value) => typeof (value as Clock | null)?.now === 'function', 'must be a Clock')
    .optional(),
  ablation: z.boolean().default(true),
  confidence: z.number().gt(0).lt(1).default(0.95),
  faultInjection: z.boolean().default(true),
  onProgress: z
    .custom<(event: ProgressEvent) => void>((value) => typeof value === 'function')
    .optional(),
});

const SUBJECT = 'evaluateTeamPerformance';

/** The configuration without `agentId`, when an `agent_selection` variable can drop it. */
function without(
  team: TeamSpace,
  configuration: Configuration,
  agentId: string,
): Configuration | undefined {
  const tag = orchestrationTypeTag('agent_selection');
  for (const variable of team.variables.variables) {
    if (!variable.hints.tags?.includes(tag)) continue;
    const selected = configuration[variable.id];
    if (!Array.isArray(selected) || !selected.includes(agentId)) continue;
    const checked = team.variables.check({
      ...configuration,
      [variable.id]: selected.filter((id) => id !== agentId) as JsonValue[],
    });
    if (checked.ok) return checked.configuration;
  }
  return undefined;
}

/** Whether an `agent_selection` of the team has `agentId` among its agents and leaves it out. */
function unselected(space: MultiAgentSpace, agentId: string): boolean {
  return Object.values(space.orchestrationVariables).some(
    (variable) =>
      variable.type === 'agent_selection' &&
      variable.agents.includes(agentId) &&
      Array.isArray(variable.value) &&
      !variable.value.includes(agentId),
  );
}

/**
 * Runs the team on examples and measures the API card's team performance result: the overall
 * score; each agent's credit by paired ablation (the same examples and seeds without it), with an
 * interval; fault tolerance
 * and adaptation speed by making each active agent fail in turn (the runner receives it in
 * `faults`); coordination efficiency, resource utilization and communication overhead from the
 * runs' traces, usage and message counts; execution time on the clock; peak memory; activations.
 * Runs go concurrently up to `concurrency` and stop at the budget.
 *
 * @example
 * const report = await evaluateTeamPerformance(space, devset, exactMatch, { runner });
 * report.individualScores; // { planner: 0.3, coder: 0.5, reviewer: 0.05 }
 */
export async function evaluateTeamPerformance(
  space: MultiAgentSpace,
  examples: readonly TeamExample[],
  metric: TeamMetric,
  options: TeamPerformanceOptions,
): Promise<TeamPerformanceResult> {
  const parsed = parseOrThrow(optionsSchema, options, SUBJECT, 'options');
  const team = createTeamSpace(space);
  if (!Array.isArray(examples) || examples.length === 0) {
    throw inputError(
      'TRAINSET_EMPTY',
      SUBJECT,
      'examples',
      'must hold at least one example',
      examples,
    );
  }
  const checked = examples.map((example, i) =>
    parseOrThrow(teamExampleSchema, example, SUBJECT, `examples[${i}]`),
  ) as TeamExample[];
  if (typeof metric !== 'function') {
    throw inputError('INVALID_ARGUMENT', SUBJECT, 'metric', 'must be a function', metric);
  }
  const clock = parsed.clock ?? systemClock;
  const progress = new Subject<ProgressEvent>();
  const subscription = progress.subscribe((event) => parsed.onProgress?.(event));
  const engine = createEngine({
    optimizer: 'evaluate_team_performance',
    team,
    examples: checked,
    runner: parsed.runner,
    metric,
    concurrency: parsed.concurrency,
    budget: parsed.budget as Budget,
    signal: parsed.signal,
    clock,
    progress,
    checkpoint: undefined,
    fingerprint: '',
  });
  try {
    await engine.open();
    const random = createRandom(parsed.seed);
    const indices = checked.map((_, i) => i);
    const seeds = indices.map(() => random.int(0, 0x7fffffff));
    let nextId = 0;
    const candidate = (configuration: Configuration): Candidate => ({
      id: nextId++,
      configuration,
      parent: null,
      strategy: null,
      origins: {},
    });
    const configured = candidate(team.current);

    const started = clock.now();
    const main = await engine.runTrial(configured, indices, seeds, 'evaluation');
    const executionTime = clock.now() - started;
    let complete = main.complete;
    const overallScore = main.records.length === 0 ? 0 : main.mean;

    const activations: Record<string, number> = {};
    const tokensByAgent: Record<string, number> = {};
    let steps = 0;
    for (const record of main.records) {
      for (const trace of record.traces as readonly TraceRecord[]) {
        activations[trace.agentId] = (activations[trace.agentId] ?? 0) + 1;
        tokensByAgent[trace.agentId] =
          (tokensByAgent[trace.agentId] ?? 0) + (trace.usage?.totalTokens ?? 0);
        steps++;
      }
    }
    const workers = Object.keys(activations).sort();

    // A pass on the same examples and seeds; only runs both passes made are compared.
    const compare = (records: readonly RunRecord[]) => {
      const base = new Map(main.records.map((record) => [record.exampleIndex, record]));
      const pairs = records
        .map((record) => [base.get(record.exampleIndex), record] as const)
        .filter((pair): pair is readonly [RunRecord, RunRecord] => pair[0] !== undefined);
      return {
        before: mean(pairs.map(([before]) => before.score)),
        after: mean(pairs.map(([, after]) => after.score)),
        pairs,
      };
    };

    const faultPasses = new Map<string, readonly RunRecord[]>();
    const faultPass = async (agentId: string) => {
      const known = faultPasses.get(agentId);
      if (known !== undefined) return known;
      const trial = await engine.runTrial(configured, indices, seeds, 'fault', [agentId]);
      complete &&= trial.complete;
      faultPasses.set(agentId, trial.records);
      return trial.records;
    };

    const individualScores: Record<string, number> = {};
    const individualCredit: Record<string, AgentCredit> = {};
    // Its own stream, so the intervals do not move when the passes change.
    const resampling = createRandom(parsed.seed ^ 0x5bd1e995);
    if (parsed.ablation) {
      for (const agentId of Object.keys(space.agents).sort()) {
        const reduced = without(team, team.current, agentId);
        let records: readonly RunRecord[];
        if (reduced !== undefined) {
          const trial = await engine.runTrial(candidate(reduced), indices, seeds, 'ablation');
          complete &&= trial.complete;
          records = trial.records;
        } else if (!unselected(space, agentId)) {
          // No selection can drop it: it is made to fail instead (an agent that works without
          // leaving traces, a reviewer or a tester, is measured the same way).
          records = await faultPass(agentId);
        } else {
          // An agent its selection leaves out does not run: it earns nothing, no run is needed.
          individualScores[agentId] = 0;
          individualCredit[agentId] = { credit: 0, low: 0, high: 0, pairs: 0 };
          continue;
        }
        const { pairs } = compare(records);
        const credit = pairedCredit(
          pairs.map(([withAgent, without]) => withAgent.score - without.score),
          parsed.confidence,
          resampling,
        );
        individualScores[agentId] = credit.credit;
        individualCredit[agentId] = credit;
      }
    }

    let faultToleranceScore = 1;
    let adaptationSpeed = 1;
    if (parsed.faultInjection && workers.length > 0) {
      const kept: number[] = [];
      const speeds: number[] = [];
      for (const agentId of workers) {
        const records = await faultPass(agentId);
        const { before, after, pairs } = compare(records);
        if (pairs.length === 0) continue;
        kept.push(before > 0 ? Math.min(1, Math.max(0, after / before)) : 1);
        for (const [normal, faulty] of pairs) {
          if (faulty.failed || faulty.output === null) speeds.push(0);
          else if (faulty.durationMs <= 0) speeds.push(1);
          else speeds.push(Math.min(1, normal.durationMs / faulty.durationMs));
        }
      }
      if (kept.length > 0) faultToleranceScore = mean(kept);
      if (speeds.length > 0) adaptationSpeed = mean(speeds);
    }

    const totalTokens = Object.values(tokensByAgent).reduce((sum, tokens) => sum + tokens, 0);
    const contributing = workers.filter((agentId) => (individualScores[agentId] ?? 0) > 0);
    const coordinationEfficiency =
      !parsed.ablation || workers.length === 0
        ? 1
        : totalTokens > 0
          ? contributing.reduce((sum, agentId) => sum + (tokensByAgent[agentId] ?? 0), 0) /
            totalTokens
          : contributing.reduce((sum, agentId) => sum + (activations[agentId] ?? 0), 0) /
            Math.max(1, steps);
    const messages = main.records.reduce((sum, record) => sum + record.messages, 0);

    return {
      overallScore,
      individualScores,
      individualCredit,
      coordinationEfficiency,
      resourceUtilization: workers.length / Math.max(1, Object.keys(space.agents).length),
      communicationOverhead: steps === 0 ? 0 : messages / steps,
      faultToleranceScore,
      adaptationSpeed,
      executionTime,
      memoryUsage: Math.max(0, ...main.records.map((record) => record.memoryBytes)),
      agentActivations: activations,
      examples: checked.length,
      failures: engine.failures,
      usage: engine.usage(),
      complete,
    };
  } finally {
    await engine.close();
    subscription.unsubscribe();
  }
}
