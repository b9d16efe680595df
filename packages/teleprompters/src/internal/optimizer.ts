import {
  type Clock,
  type Configuration,
  createRandom,
  type JsonValue,
  type MultiAgentSpace,
  type Random,
  systemClock,
} from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import { Subject } from 'rxjs';
import { z } from 'zod';
import { type Budget, budgetSchema } from '../budget';
import type { CheckpointStore } from '../checkpoint';
import { inputError, OptimizationAbortedError } from '../errors';
import type {
  OptimizationResult,
  OptimizerName,
  OptimizerRun,
  TrialSummary,
} from '../optimization-result';
import type { ProgressEvent, StopReason } from '../progress';
import {
  TEAM_CONFIG_FORMAT,
  TEAM_CONFIG_VERSION,
  type TeamConfig,
  type ValueOrigin,
} from '../team-config';
import { type TeamExample, teamExampleSchema } from '../team-example';
import type { TeamMetric, TeamRunner } from '../team-runner';
import { createTeamSpace, type TeamSpace } from '../team-space';
import { MAX_TIMEOUT_MS } from './deadline';
import {
  type Candidate,
  createEngine,
  DEFAULT_METRIC_TIMEOUT_MS,
  DEFAULT_RUN_TIMEOUT_MS,
  type Engine,
  type TrialResult,
} from './engine';
import { hashText, jsonEqual, stableStringify } from './json';
import { parseOrThrow } from './parse';

/** Options every optimizer takes. */
export interface CommonOptimizerOptions {
  /** Runs a candidate team on one example. */
  readonly runner: TeamRunner;
  /** Seeds every random choice (default 0): the same seed gives the same result. */
  readonly seed?: number;
  /** Team runs at once (default 4). */
  readonly concurrency?: number;
  readonly budget?: Budget;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** Where progress is saved; a run given the checkpoint of an earlier one resumes it. */
  readonly checkpoint?: CheckpointStore;
  /** Save after this many finished runs (default 25), and always at the end or on abort. */
  readonly checkpointEvery?: number;
  /** Examples the final choice is made on. Default: a seeded share of the trainset. */
  readonly valset?: readonly TeamExample[];
  /** Share of the trainset held out for validation when there is no valset (default 0.25). */
  readonly validationFraction?: number;
  /** The prefix of orchestration variables in the joint space (default `team`). */
  readonly orchestrationPart?: string;
  /**
   * How long one `runner.run` may take, in ms (default 300,000). A run past it fails with
   * `TEAM_RUN_TIMEOUT` (scored 0, like a run that threw) and its `signal` fires.
   */
  readonly runTimeoutMs?: number;
  /** How long one metric call may take, in ms (default 60,000); past it the run fails with `METRIC_TIMEOUT`. */
  readonly metricTimeoutMs?: number;
}

const isFunctionHolder = (...names: string[]) =>
  z.custom<unknown>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      names.every((name) => typeof (value as Record<string, unknown>)[name] === 'function'),
    `must be an object with ${names.join(', ')}()`,
  );

/** The zod shape of {@link CommonOptimizerOptions}; each optimizer extends it. */
export const commonOptionsShape = {
  runner: isFunctionHolder('run'),
  seed: z.int().default(0),
  concurrency: z.int().positive().default(4),
  budget: budgetSchema.default({}),
  signal: z
    .custom<AbortSignal>((value) => value instanceof AbortSignal, 'must be an AbortSignal')
    .optional(),
  clock: isFunctionHolder('now', 'setTimeout', 'clearTimeout').optional(),
  checkpoint: isFunctionHolder('load', 'save').optional(),
  checkpointEvery: z.int().positive().default(25),
  valset: z.array(z.unknown()).optional(),
  validationFraction: z.number().gt(0).lt(1).default(0.25),
  orchestrationPart: z.string().optional(),
  runTimeoutMs: z.int().positive().max(MAX_TIMEOUT_MS).default(DEFAULT_RUN_TIMEOUT_MS),
  metricTimeoutMs: z.int().positive().max(MAX_TIMEOUT_MS).default(DEFAULT_METRIC_TIMEOUT_MS),
};

type CommonParsed = {
  runner: TeamRunner;
  seed: number;
  concurrency: number;
  budget: Budget;
  signal?: AbortSignal | undefined;
  clock?: Clock | undefined;
  checkpoint?: CheckpointStore | undefined;
  checkpointEvery: number;
  valset?: unknown[] | undefined;
  validationFraction: number;
  orchestrationPart?: string | undefined;
  runTimeoutMs: number;
  metricTimeoutMs: number;
};

/** Everything an optimizer body works with. */
export interface OptimizerContext<O> {
  readonly name: OptimizerName;
  readonly options: O & CommonParsed;
  readonly team: TeamSpace;
  readonly engine: Engine;
  readonly random: Random;
  readonly clock: Clock;
  readonly examples: readonly TeamExample[];
  readonly trainIndices: readonly number[];
  readonly validationIndices: readonly number[];
  readonly baseline: Candidate;
  readonly skipped: { strategy: string; reason: string }[];
  readonly trials: TrialSummary[];
  /** A new candidate derived from `parent` (or from nothing), its origins worked out. */
  candidate(configuration: Configuration, parent: Candidate | null, strategy: string): Candidate;
  readonly candidateCount: () => number;
  /** `count` run seeds drawn from the optimizer's random source. */
  seeds(count: number): number[];
  /** Runs a trial and records its summary. */
  trial(
    candidate: Candidate,
    indices: readonly number[],
    seeds: readonly number[],
    purpose: TrialSummary['purpose'],
  ): Promise<TrialResult>;
  skip(strategy: string, reason: string): void;
  finish(outcome: {
    best: Candidate;
    score: number | null;
    scoredOn: TeamConfig['scoredOn'];
    examplesScored: number;
    baselineScore: number | null;
    stopReason: StopReason;
  }): OptimizationResult;
}

/** What {@link prepareOptimizer} checked, ready to start. */
export interface PreparedOptimizer<O> {
  readonly name: OptimizerName;
  readonly space: MultiAgentSpace;
  readonly team: TeamSpace;
  readonly options: O & CommonParsed;
  readonly trainset: readonly TeamExample[];
  readonly valset: readonly TeamExample[] | undefined;
  readonly metric: TeamMetric;
  /** Option values that change the result, for the checkpoint fingerprint. */
  readonly fingerprintOptions: Readonly<Record<string, JsonValue>>;
  /** Whether validation examples are split off the trainset when no valset is given. */
  readonly holdOut: boolean;
}

function checkExamples(subject: string, path: string, examples: unknown): TeamExample[] {
  if (!Array.isArray(examples)) {
    throw inputError('INVALID_ARGUMENT', subject, path, 'must be an array of examples', examples);
  }
  return examples.map((example, i) =>
    parseOrThrow(teamExampleSchema, example, subject, `${path}[${i}]`),
  ) as TeamExample[];
}

/**
 * Checks an optimizer's inputs synchronously: the team (`TEAM_SPACE_INVALID`), the trainset
 * (`TRAINSET_EMPTY`, examples by path), the metric and the options (`INVALID_ARGUMENT`).
 */
export function prepareOptimizer<S extends z.ZodRawShape>(
  name: OptimizerName,
  space: MultiAgentSpace,
  trainset: readonly TeamExample[],
  metric: TeamMetric,
  options: unknown,
  shape: S,
  holdOut = true,
): PreparedOptimizer<z.output<z.ZodObject<S>>> {
  const subject = name;
  const schema = z.strictObject({ ...commonOptionsShape, ...shape });
  const parsed = parseOrThrow(schema, options ?? {}, subject, 'options') as z.output<
    z.ZodObject<S>
  > &
    CommonParsed;
  const team = createTeamSpace(
    space,
    parsed.orchestrationPart === undefined ? {} : { orchestrationPart: parsed.orchestrationPart },
  );
  if (Array.isArray(trainset) && trainset.length === 0) {
    throw inputError(
      'TRAINSET_EMPTY',
      subject,
      'trainset',
      'must hold at least one example',
      trainset,
    );
  }
  const train = checkExamples(subject, 'trainset', trainset);
  const valset =
    parsed.valset === undefined
      ? undefined
      : checkExamples(subject, 'options.valset', parsed.valset);
  if (valset !== undefined && valset.length === 0) {
    throw inputError(
      'TRAINSET_EMPTY',
      subject,
      'options.valset',
      'must hold at least one example',
      valset,
    );
  }
  if (holdOut && valset === undefined && train.length < 2) {
    throw inputError(
      'TRAINSET_TOO_SMALL',
      subject,
      'trainset',
      'needs at least 2 examples to hold some out for validation (or pass options.valset)',
      train.length,
    );
  }
  if (typeof metric !== 'function') {
    throw inputError('INVALID_ARGUMENT', subject, 'metric', 'must be a function', metric);
  }
  const fingerprintOptions: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (
      [
        'runner',
        'signal',
        'clock',
        'checkpoint',
        'checkpointEvery',
        'lm',
        'concurrency',
        'runTimeoutMs',
        'metricTimeoutMs',
        'mutationTimeoutMs',
      ].includes(key)
    )
      continue;
    if (key === 'strategies' && Array.isArray(value)) {
      fingerprintOptions[key] = value.map((item) =>
        typeof item === 'string' ? item : String((item as { name?: unknown }).name),
      );
    } else if (typeof value !== 'function') {
      fingerprintOptions[key] = JSON.parse(stableStringify(value ?? null)) as JsonValue;
    }
  }
  return {
    name,
    space,
    team,
    options: parsed,
    trainset: train,
    valset,
    metric,
    fingerprintOptions,
    holdOut,
  };
}

/** Origins of `configuration` relative to its parent: unchanged values keep theirs. */
function originsOf(
  configuration: Configuration,
  parent: Candidate | null,
  baseline: Candidate | null,
  id: number,
  by: string,
): Record<string, ValueOrigin> {
  const origins: Record<string, ValueOrigin> = {};
  for (const [key, value] of Object.entries(configuration)) {
    const from = [parent, baseline].find(
      (other) =>
        other !== null &&
        Object.hasOwn(other.configuration, key) &&
        jsonEqual(other.configuration[key], value),
    );
    const origin = from?.origins[key];
    origins[key] = origin ?? { candidate: id, by };
  }
  return origins;
}

/**
 * Starts an optimizer body with its engine, progress stream and checkpoint. Work begins on a
 * microtask, so a subscriber added right after the call sees every event.
 */
export function startOptimizer<O>(
  prepared: PreparedOptimizer<O>,
  body: (context: OptimizerContext<O>) => Promise<OptimizationResult>,
): OptimizerRun {
  const progress = new Subject<ProgressEvent>();
  const { name, options, team } = prepared;
  const clock = options.clock ?? systemClock;
  const random = createRandom(options.seed);

  let examples: TeamExample[];
  let trainIndices: number[];
  let validationIndices: number[];
  if (prepared.valset !== undefined) {
    examples = [...prepared.trainset, ...prepared.valset];
    trainIndices = prepared.trainset.map((_, i) => i);
    validationIndices = prepared.valset.map((_, i) => prepared.trainset.length + i);
  } else if (!prepared.holdOut) {
    examples = [...prepared.trainset];
    trainIndices = examples.map((_, i) => i);
    validationIndices = [];
  } else {
    examples = [...prepared.trainset];
    // Its own stream, so the split does not move when an optimizer draws differently.
    const order = createRandom(options.seed ^ 0x5bd1e995).shuffle(examples.map((_, i) => i));
    const held = Math.min(
      examples.length - 1,
      Math.max(1, Math.round(options.validationFraction * examples.length)),
    );
    validationIndices = order.slice(0, held).sort((a, b) => a - b);
    trainIndices = order.slice(held).sort((a, b) => a - b);
  }
  const fingerprint = hashText(
    stableStringify({
      optimizer: name,
      options: prepared.fingerprintOptions,
      examples,
      trainIndices,
      variables: team.variables.variables.map((variable) => [variable.id, variable.kind]),
      current: team.current,
    }),
  );
  const engine = createEngine({
    optimizer: name,
    team,
    examples,
    runner: options.runner,
    metric: prepared.metric,
    concurrency: options.concurrency,
    budget: options.budget,
    signal: options.signal,
    clock,
    progress,
    checkpoint:
      options.checkpoint === undefined
        ? undefined
        : { store: options.checkpoint, every: options.checkpointEvery },
    fingerprint,
    runTimeoutMs: options.runTimeoutMs,
    metricTimeoutMs: options.metricTimeoutMs,
  });

  const baselineOrigins: Record<string, ValueOrigin> = {};
  for (const key of Object.keys(team.current))
    baselineOrigins[key] = { candidate: 0, by: 'baseline' };
  const baseline: Candidate = {
    id: 0,
    configuration: team.current,
    parent: null,
    strategy: null,
    origins: baselineOrigins,
  };
  let nextId = 1;
  const skipped: { strategy: string; reason: string }[] = [];
  const trials: TrialSummary[] = [];
  const startedAt = clock.now();

  const context: OptimizerContext<O> = {
    name,
    options,
    team,
    engine,
    random,
    clock,
    examples,
    trainIndices,
    validationIndices,
    baseline,
    skipped,
    trials,
    candidate(configuration, parent, strategy) {
      const id = nextId++;
      return {
        id,
        configuration,
        parent: parent?.id ?? null,
        strategy,
        origins: originsOf(configuration, parent, baseline, id, strategy),
      };
    },
    candidateCount: () => nextId,
    seeds: (count) => Array.from({ length: count }, () => random.int(0, 0x7fffffff)),
    async trial(candidate, indices, seeds, purpose) {
      const result = await engine.runTrial(candidate, indices, seeds, purpose);
      trials.push({
        trial: result.trial,
        candidate: candidate.id,
        purpose,
        score: result.mean,
        runs: result.records.length,
        failures: result.records.filter((record) => record.failed).length,
      });
      return result;
    },
    skip(strategy, reason) {
      if (skipped.some((entry) => entry.strategy === strategy && entry.reason === reason)) return;
      skipped.push({ strategy, reason });
      engine.emit({ type: 'strategy-skipped', strategy, reason, at: clock.now() });
    },
    finish(outcome) {
      const config: TeamConfig = {
        format: TEAM_CONFIG_FORMAT,
        version: TEAM_CONFIG_VERSION,
        spaceId: prepared.space.id,
        values: outcome.best.configuration,
        score: outcome.score,
        scoredOn: outcome.scoredOn,
        examplesScored: outcome.examplesScored,
        source: {
          optimizer: name,
          seed: options.seed,
          candidate: outcome.best.id,
          parent: outcome.best.parent,
          strategy: outcome.best.strategy,
        },
        origins: outcome.best.origins,
      };
      return {
        optimizer: name,
        config,
        space: engine.spaceOf(outcome.best),
        baselineScore: outcome.baselineScore,
        score: outcome.score,
        stopReason: outcome.stopReason,
        usage: engine.usage(),
        trials: [...trials],
        candidates: nextId,
        failures: engine.failures,
        skipped: [...skipped],
        startedAt,
        finishedAt: clock.now(),
      };
    },
  };

  const result = Promise.resolve().then(async () => {
    try {
      const resumableRuns = await engine.open();
      engine.emit({
        type: 'optimization-started',
        optimizer: name,
        trainExamples: trainIndices.length,
        validationExamples: validationIndices.length,
        resumableRuns,
        at: clock.now(),
      });
      const out = await body(context);
      await engine.close();
      progress.next({
        type: 'optimization-finished',
        stopReason: out.stopReason,
        score: out.score,
        at: clock.now(),
      });
      progress.complete();
      return out;
    } catch (error) {
      await engine.close();
      if (OptimizationAbortedError.isInstance(error, 'OPTIMIZATION_ABORTED')) {
        progress.next({
          type: 'optimization-aborted',
          completedRuns: engine.completedRuns,
          at: clock.now(),
        });
      } else {
        progress.next({ type: 'optimization-failed', error: toErrorInfo(error), at: clock.now() });
      }
      progress.complete();
      throw error;
    }
  });
  return { progress$: progress.asObservable(), result };
}
