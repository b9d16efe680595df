import type { JsonValue, MultiAgentSpace, TraceRecord } from '@varplane/core';
import { z } from 'zod';
import { inputError } from './errors';
import { aliased } from './internal/aliases';
import {
  agentsWithDemos,
  appendDemos,
  type DemoBuilder,
  defaultDemoBuilder,
  demosTarget,
} from './internal/demos';
import { guardInput } from './internal/guard';
import { jsonEqual, toJson } from './internal/json';
import {
  type CommonOptimizerOptions,
  prepareOptimizer,
  startOptimizer,
} from './internal/optimizer';
import { selectOnValidation } from './internal/select';
import type { OptimizerRun } from './optimization-result';
import type { TeamExample } from './team-example';
import type { TeamMetric } from './team-runner';

/** Options of {@link bootstrapFewShot}; the names follow DSPy's BootstrapFewShot. */
export interface BootstrapFewShotOptions extends CommonOptimizerOptions {
  readonly metric: TeamMetric;
  /**
   * A run is kept when its score is at least this. Default: when its score is above 0 (a true
   * boolean metric), as DSPy keeps truthy metric values.
   */
  readonly metricThreshold?: number;
  /** Demos taken from successful runs, per agent (default 4). */
  readonly maxBootstrappedDemos?: number;
  /** Labelled examples added as demos to the agents that read the team's input (default 16). */
  readonly maxLabeledDemos?: number;
  /** Passes over the trainset, each with new run seeds (default 1). */
  readonly maxRounds?: number;
  /** Turns an agent step into a demo for that agent (default: its input and output fields). */
  readonly demoBuilder?: DemoBuilder;
  /** Turns a training example into a labelled demo (default: `{ inputs: input, labels: expectedOutput }`). */
  readonly labeledDemoBuilder?: (example: TeamExample) => JsonValue | undefined;
}

const functionSchema = <F>() =>
  z.custom<F>((value) => typeof value === 'function', 'must be a function');

const shape = {
  metric: functionSchema<TeamMetric>(),
  metricThreshold: z.number().optional(),
  maxBootstrappedDemos: z.int().nonnegative().default(4),
  maxLabeledDemos: z.int().nonnegative().default(16),
  maxRounds: z.int().positive().default(1),
  demoBuilder: functionSchema<DemoBuilder>().optional(),
  labeledDemoBuilder: functionSchema<(example: TeamExample) => JsonValue | undefined>().optional(),
};

/**
 * Examples tried at once. A constant, not `concurrency`: the result may depend on the seed and
 * the options that shape it, never on how many runs go at once.
 */
const BOOTSTRAP_BATCH = 8;

const defaultLabeledDemo = (example: TeamExample): JsonValue | undefined =>
  example.expectedOutput === undefined
    ? undefined
    : (toJson({ inputs: example.input, labels: example.expectedOutput }) as JsonValue);

/**
 * BootstrapFewShot for teams: runs the team on training examples, keeps the runs whose score meets
 * the threshold, and fills each agent's demos with the steps that agent took in them (up to
 * `maxBootstrappedDemos` per agent). Agents that read the team's input also get labelled demos
 * from unused examples (up to `maxLabeledDemos`). With a `valset`, the team is scored on it, before
 * and after.
 *
 * @example
 * const { config } = await bootstrapFewShot(space, trainset, exactMatch, { runner }).result;
 */
export function bootstrapFewShot(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  options: BootstrapFewShotOptions,
): OptimizerRun;
/**
 * The metric third, as `simba` and `beacon` take it. `options.metric` may be left out; given as
 * well, it must be the same function.
 */
export function bootstrapFewShot(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metric: TeamMetric,
  options: Omit<BootstrapFewShotOptions, 'metric'> & { readonly metric?: TeamMetric },
): OptimizerRun;
export function bootstrapFewShot(
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metricOrOptions: TeamMetric | BootstrapFewShotOptions,
  positionalOptions?: Omit<BootstrapFewShotOptions, 'metric'> & { readonly metric?: TeamMetric },
): OptimizerRun {
  const options: BootstrapFewShotOptions =
    typeof metricOrOptions === 'function'
      ? guardInput('bootstrapFewShot', 'options', positionalOptions, () => ({
          ...(positionalOptions as BootstrapFewShotOptions),
          metric: aliased(
            'bootstrapFewShot',
            { name: 'metric (third argument)', value: metricOrOptions },
            { name: 'metric', value: positionalOptions?.metric },
          ) as TeamMetric,
        }))
      : metricOrOptions;
  const metric = guardInput(
    'bootstrapFewShot',
    'options',
    options,
    () => (options as { metric?: TeamMetric } | undefined)?.metric as TeamMetric,
  );
  const prepared = prepareOptimizer(
    'bootstrap_few_shot',
    space,
    trainset,
    metric,
    options,
    shape,
    false,
  );
  const { team } = prepared;
  const o = prepared.options;
  const agents = agentsWithDemos(team);
  if (agents.length === 0) {
    throw inputError(
      'TEAM_SPACE_NOT_SEARCHABLE',
      'bootstrapFewShot',
      'space',
      'has no agent with a demos variable to fill',
      space.id,
    );
  }
  const demoBuilder = o.demoBuilder ?? defaultDemoBuilder;
  const labeledBuilder = o.labeledDemoBuilder ?? defaultLabeledDemo;
  const passes = (score: number) =>
    o.metricThreshold === undefined ? score > 0 : score >= o.metricThreshold;
  const capacity = (agentId: string) => {
    const variable = team.variables.get(demosTarget(team, agentId) as string);
    return variable?.kind === 'demos' ? variable.maxCount : 0;
  };

  return startOptimizer(prepared, async (context) => {
    const { random } = context;
    const bootstrapped = new Map<string, JsonValue[]>(agents.map((agent) => [agent, []]));
    const entryAgents = new Set<string>();
    const used = new Set<number>();
    const wanted = (agentId: string) => Math.min(o.maxBootstrappedDemos, capacity(agentId));
    const full = () =>
      agents.every(
        (agentId) => (bootstrapped.get(agentId) as JsonValue[]).length >= wanted(agentId),
      );
    let stopReason: 'completed' | 'budget_exhausted' = 'completed';
    const order = random.shuffle(context.trainIndices);

    rounds: for (let round = 0; round < o.maxRounds && !full(); round++) {
      const pending = order.filter((index) => !used.has(index));
      for (let start = 0; start < pending.length && !full(); start += BOOTSTRAP_BATCH) {
        const chunk = pending.slice(start, start + BOOTSTRAP_BATCH);
        const result = await context.trial(
          context.baseline,
          chunk,
          context.seeds(chunk.length),
          'bootstrap',
        );
        for (const record of result.records) {
          // Runs past the one that filled the last agent are not looked at, so where a batch
          // ends does not change the result.
          if (full()) break;
          const example = context.examples[record.exampleIndex] as TeamExample;
          for (const trace of record.traces as readonly TraceRecord[]) {
            if (jsonEqual(trace.input, example.input)) entryAgents.add(trace.agentId);
          }
          if (record.failed || !passes(record.score)) continue;
          used.add(record.exampleIndex);
          for (const trace of record.traces as readonly TraceRecord[]) {
            const list = bootstrapped.get(trace.agentId);
            if (list === undefined || list.length >= wanted(trace.agentId)) continue;
            const demo = demoBuilder(trace);
            if (demo !== undefined && !list.some((held) => jsonEqual(held, demo))) list.push(demo);
          }
        }
        if (!result.complete) {
          stopReason = 'budget_exhausted';
          break rounds;
        }
      }
    }

    // Replace each agent's demos: bootstrapped first, then labelled ones for agents that read
    // the team's input, from examples no kept run used.
    const spare = order.filter((index) => !used.has(index));
    const demos = new Map<string, JsonValue[]>();
    for (const agentId of agents) {
      const list = [...(bootstrapped.get(agentId) as JsonValue[])];
      if (entryAgents.has(agentId)) {
        const room = Math.min(o.maxLabeledDemos, capacity(agentId) - list.length);
        for (const index of spare) {
          if (list.length >= (bootstrapped.get(agentId) as JsonValue[]).length + room) break;
          const demo = labeledBuilder(context.examples[index] as TeamExample);
          if (demo !== undefined && !list.some((held) => jsonEqual(held, demo))) list.push(demo);
        }
      }
      demos.set(agentId, list);
    }
    const emptied: Record<string, JsonValue> = { ...context.baseline.configuration };
    for (const agentId of agents) emptied[demosTarget(team, agentId) as string] = [];
    const cleared = team.variables.check(emptied);
    const base = cleared.ok ? cleared.configuration : context.baseline.configuration;
    const compiled = context.candidate(
      appendDemos(team, base, demos),
      context.baseline,
      'bootstrap_few_shot',
    );

    if (context.validationIndices.length === 0) {
      return context.finish({
        best: compiled,
        score: null,
        scoredOn: 'none',
        examplesScored: 0,
        baselineScore: null,
        stopReason,
      });
    }
    const seeds = context.seeds(context.validationIndices.length);
    const selection = await selectOnValidation(context, [context.baseline, compiled], seeds);
    const measured = selection.results.get(compiled.id);
    const before = selection.results.get(0);
    const complete = measured?.complete === true;
    return context.finish({
      best: compiled,
      score: complete ? (measured as { mean: number }).mean : null,
      scoredOn: complete ? 'validation' : 'none',
      examplesScored: complete ? context.validationIndices.length : 0,
      baselineScore: before?.complete === true ? before.mean : null,
      stopReason: complete ? stopReason : 'budget_exhausted',
    });
  });
}
