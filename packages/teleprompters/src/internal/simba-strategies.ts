import type {
  Configuration,
  JsonValue,
  LanguageModel,
  MutationStrategy,
  TraceRecord,
  Variable,
  VariableSpace,
} from '@varplane/core';
import type { TeamExample } from '../team-example';
import { TEAM_MUTATION_TARGETS } from '../team-mutations';
import type { TeamSpace } from '../team-space';
import { writeRules } from './append-rule';
import { settleWithin } from './deadline';
import { agentsWithDemos, appendDemos, type DemoBuilder, demosTarget } from './demos';
import type { Candidate, RunRecord } from './engine';
import { jsonEqual } from './json';
import type { OptimizerContext } from './optimizer';
import { rerouteTaskType } from './reroute';
import { poisson } from './stats';
import type { TypeCredit } from './type-credit';

/** The options SIMBA's strategies read. */
export interface StrategyOptions {
  readonly maxDemos: number;
  readonly mutationStrength: number;
  readonly mutationTimeoutMs: number;
  readonly lm?: LanguageModel | undefined;
}

/** A SIMBA strategy, ready to apply to a bucket. */
export type SimbaStrategy =
  | {
      readonly name: string;
      readonly kind: 'mutation';
      readonly plugin: MutationStrategy;
      /** What a built-in team mutation moves, so it can first learn from the bucket's best run. */
      readonly targets?: (variable: Variable) => boolean;
    }
  | { readonly name: 'append_demo' | 'append_rule'; readonly kind: 'trace' };

/** One example of a mini-batch with its runs, and the keys SIMBA sorts buckets by. */
export interface Bucket {
  readonly exampleIndex: number;
  /** Runs of the example, best first. */
  readonly runs: readonly RunRecord[];
  readonly key: readonly [number, number, number];
}

/**
 * The team space seen through one bucket: the team's own variables and those of the agents that
 * acted in the bucket's runs, the values this example's runs depended on. Every variable still
 * validates; only the list of variables is narrowed.
 */
function focus(team: TeamSpace, bucket: Bucket): VariableSpace {
  const acted = new Set<string>();
  for (const run of bucket.runs) for (const trace of run.traces) acted.add(trace.agentId);
  if (acted.size === 0) return team.variables;
  const ids = new Set([...acted].flatMap((agentId) => team.agentVariableIds(agentId)));
  const variables = team.variables.variables.filter(
    (variable) => ids.has(variable.id) || team.locate(variable.id)?.kind === 'orchestration',
  );
  return { ...team.variables, variables };
}

/**
 * The introspective half of a team mutation: when the bucket's best run came from another team
 * than the worst, the candidate takes that team's values of the variables the strategy moves
 * (among those the example depended on). Undefined when the best team agrees on all of them.
 */
function adoptFromBest(
  team: TeamSpace,
  bucket: Bucket,
  configuration: Configuration,
  targets: (variable: Variable) => boolean,
  programOf: (id: number) => Candidate | undefined,
): Configuration | undefined {
  const best = bucket.runs[0] as RunRecord;
  const worst = bucket.runs[bucket.runs.length - 1] as RunRecord;
  if (best.score <= worst.score || best.candidate === worst.candidate) return undefined;
  const donor = programOf(best.candidate);
  if (donor === undefined) return undefined;
  const next: Record<string, JsonValue> = { ...configuration };
  let changed = false;
  const moved = coordinated(team, targets);
  for (const variable of focus(team, bucket).variables) {
    if (!moved(variable) || variable.hints.frozen === true) continue;
    const value = donor.configuration[variable.id];
    if (value === undefined || jsonEqual(value, configuration[variable.id])) continue;
    next[variable.id] = value;
    changed = true;
  }
  if (!changed) return undefined;
  const checked = team.variables.check(next);
  return checked.ok ? checked.configuration : undefined;
}

const organizes = (variable: Variable) =>
  TEAM_MUTATION_TARGETS.agent_selection(variable) ||
  TEAM_MUTATION_TARGETS.topology_mutation(variable);

/**
 * What a move adopts together: who is selected, how they talk and the variables that exist only
 * under a topology (a star's hub) make one organization, since one of them without the others
 * is rarely better (a star without the hub and the specialists it routes to). Moves of other
 * variables stay as they are.
 */
function coordinated(
  team: TeamSpace,
  targets: (variable: Variable) => boolean,
): (variable: Variable) => boolean {
  const organization = team.variables.variables.filter(organizes);
  if (!organization.some(targets)) return targets;
  const ids = new Set(organization.map((variable) => variable.id));
  return (variable) =>
    targets(variable) ||
    ids.has(variable.id) ||
    (variable.condition !== undefined && ids.has(variable.condition.variable));
}

/** Drops demos at random, more the fuller the agents are (DSPy's Poisson rule). */
export function dropDemos(
  context: OptimizerContext<StrategyOptions>,
  configuration: Configuration,
): Configuration {
  const { team, random, options } = context;
  const ids = agentsWithDemos(team)
    .map((agentId) => demosTarget(team, agentId) as string)
    .filter((id) => Object.hasOwn(configuration, id));
  if (ids.length === 0) return configuration;
  const counts = ids.map((id) => (configuration[id] as readonly JsonValue[]).length);
  const held = Math.max(...counts);
  if (held === 0) return configuration;
  const cap = options.maxDemos > 0 ? options.maxDemos : 3;
  const drop = Math.min(held, Math.max(poisson(held / cap, random), held >= cap ? 1 : 0));
  if (drop === 0) return configuration;
  const gone = new Set(Array.from({ length: drop }, () => random.int(0, held - 1)));
  const next: Record<string, JsonValue> = { ...configuration };
  for (const id of ids) {
    next[id] = (configuration[id] as readonly JsonValue[]).filter((_, i) => !gone.has(i));
  }
  const checked = team.variables.check(next);
  return checked.ok ? checked.configuration : configuration;
}

/**
 * Applies one strategy to a copy of `configuration` for one bucket. Returns the new
 * configuration, or undefined when the strategy could not make one (it says why through
 * `context.skip`).
 */
export async function applyStrategy(
  context: OptimizerContext<StrategyOptions>,
  strategy: SimbaStrategy,
  bucket: Bucket,
  configuration: Configuration,
  batch: {
    p10: number;
    p90: number;
    demoBuilder: DemoBuilder;
    programOf: (id: number) => Candidate | undefined;
    /** For the selection move that hands the bucket's task type to the agent best at it. */
    reroute: {
      credit: TypeCredit;
      mix: ReadonlyMap<string, number>;
      donorOf: (agentId: string) => Configuration | undefined;
    };
  },
): Promise<Configuration | undefined> {
  const { team, random, clock, options } = context;
  if (strategy.kind === 'mutation' && strategy.targets !== undefined) {
    const adopted = adoptFromBest(team, bucket, configuration, strategy.targets, batch.programOf);
    if (adopted !== undefined) return adopted;
  }
  // Without a donor team, a selection move is grounded in who answers the bucket's task type
  // best across all teams' runs before it falls back to a random change.
  const taskType = context.examples[bucket.exampleIndex]?.taskType;
  if (strategy.name === 'agent_selection' && taskType !== undefined) {
    const { credit, mix, donorOf } = batch.reroute;
    const rerouted = rerouteTaskType(team, configuration, taskType, credit, mix, donorOf);
    if (rerouted !== undefined) return rerouted;
  }
  if (strategy.kind === 'mutation') {
    // The plugin's own signal: it fires when the optimization is cancelled or the plugin is
    // given up on, so a well-behaved plugin can stop its work.
    const controller = new AbortController();
    const outer = options.signal;
    const forward = () => controller.abort(outer?.reason);
    if (outer?.aborted) forward();
    outer?.addEventListener('abort', forward, { once: true });
    const plugin = strategy.plugin;
    const settled = await settleWithin(clock, options.mutationTimeoutMs, () =>
      plugin.mutate(team.variables, configuration, options.mutationStrength, {
        random: random.fork(),
        clock,
        signal: controller.signal,
      }),
    );
    outer?.removeEventListener('abort', forward);
    if (settled.kind === 'timeout') {
      const reason = `MUTATION_TIMEOUT: did not settle within ${options.mutationTimeoutMs} ms (options.mutationTimeoutMs)`;
      controller.abort(new Error(reason));
      context.skip(strategy.name, reason);
      return undefined;
    }
    if (settled.kind === 'error') {
      const error = settled.error;
      context.skip(
        strategy.name,
        `threw: ${error instanceof Error ? error.message : String(error)}`,
      );
      return undefined;
    }
    let checked: ReturnType<typeof team.variables.check>;
    try {
      checked = team.variables.check(settled.value);
    } catch {
      checked = { ok: false } as ReturnType<typeof team.variables.check>;
    }
    if (checked.ok) return checked.configuration;
    context.skip(strategy.name, 'returned a configuration the team space rejects');
    return undefined;
  }
  const good = bucket.runs[0] as RunRecord;
  if (strategy.name === 'append_demo') {
    // A run at or below the batch's 10th percentile teaches nothing worth keeping.
    if (good.score <= batch.p10) return configuration;
    const demos = new Map<string, JsonValue[]>();
    for (const trace of good.traces as readonly TraceRecord[]) {
      const demo = batch.demoBuilder(trace);
      if (demo !== undefined && demosTarget(team, trace.agentId) !== undefined) {
        demos.set(trace.agentId, [demo]);
      }
    }
    return appendDemos(team, configuration, demos);
  }
  const bad = bucket.runs[bucket.runs.length - 1] as RunRecord;
  if (good.score <= batch.p10 || bad.score >= batch.p90 || good.score === bad.score) {
    return configuration;
  }
  return writeRules(context, configuration, {
    example: context.examples[bucket.exampleIndex] as TeamExample,
    good,
    bad,
    lm: options.lm as LanguageModel,
  });
}
