import {
  ConfigurationError,
  describeValue,
  formatIssues,
  InvalidArgumentError,
  type Issue,
  SamplingError,
  VarplaneError,
} from './errors';
import { compileSpace, type SpaceNode } from './internal/compile-space';
import { type Draw, evaluate, readValue } from './internal/evaluate';
import { guardInput, reasonOf } from './internal/guard';
import type { Random } from './random';
import type { JsonValue, Variable } from './variable';

/** A validated assignment of values to a space's active variables. */
export type Configuration = Readonly<Record<string, JsonValue>>;

/** A rule across several variables, checked after defaults and composites are in place. */
export interface SpaceConstraint {
  readonly name: string;
  /** Paths the rule reads; its issue is reported on the first. */
  readonly paths: readonly string[];
  /** True when the configuration is acceptable, or a message saying why it is not. */
  readonly check: (configuration: Configuration) => boolean | string;
}

export type CheckResult =
  | { readonly ok: true; readonly configuration: Configuration }
  | { readonly ok: false; readonly issues: readonly Issue[] };

export interface Dimensionality {
  readonly discrete: number;
  readonly continuous: number;
  readonly total: number;
}

/**
 * A set of variables that together describe one configurable thing (a program, an agent, a team).
 * It is the search space of every optimizer.
 */
export interface VariableSpace {
  /** Every variable, in dependency order (each after the variables it reads). */
  readonly variables: readonly Variable[];
  readonly constraints: readonly SpaceConstraint[];
  get(id: string): Variable | undefined;
  /** The configuration made of defaults alone (composites computed). */
  defaults(): Configuration;
  /**
   * Returns the validated configuration: defaults filled, inactive variables dropped (a value
   * given for one is dropped without an issue), composites computed in dependency order (a given
   * composite value must equal the computed one), floats rounded to their precision and `-0` made
   * `0`, constraints applied. Throws one `ConfigurationError` (code `CONFIGURATION_INVALID`) whose
   * `issues` list every problem with its path (`temperature`, `examples[2].answer`) and value,
   * unknown keys included.
   */
  validate(configuration: Readonly<Record<string, unknown>>): Configuration;
  /** Like `validate`, without throwing. */
  check(configuration: Readonly<Record<string, unknown>>): CheckResult;
  /** Whether a variable is active in a (partial) configuration. */
  isActive(id: string, configuration: Readonly<Record<string, unknown>>): boolean;
  /** A random valid configuration; gives up with a `SamplingError` after `maxAttempts` tries. */
  sample(random: Random, options?: { maxAttempts?: number }): Configuration;
  /** `count` configurations; at most {@link MAX_SAMPLE_COUNT} in one call. */
  sampleMany(count: number, random: Random, options?: { maxAttempts?: number }): Configuration[];
  /**
   * A valid neighbour of `configuration`, for optimizers. `strength` in [0, 1] scales how many
   * variables move and how far (at least one moves). Frozen variables never move; variables the
   * move activates are sampled. After `maxAttempts` rejected neighbours it returns the
   * configuration as validated.
   */
  mutate(configuration: Configuration, random: Random, strength: number): Configuration;
  /**
   * Search dimensions: floats are continuous; integers, choices, booleans, modules, texts with
   * candidates and demos with a pool are discrete. Composites, frozen variables and variables with
   * a single possible value are not dimensions. Conditional variables count.
   */
  dimensionality(): Dimensionality;
  /** JSON text that {@link VariableSpace.parse} reads back to an identical configuration. */
  serialize(configuration: Configuration): string;
  /** Parses JSON text and validates it. */
  parse(text: string): Configuration;
}

/** The most configurations one `sampleMany` call returns: more is a typed error, not a hang. */
export const MAX_SAMPLE_COUNT = 1_000_000;

/** Options of {@link createVariableSpace}. */
export interface VariableSpaceOptions {
  /** Rules across variables, checked once every value is valid on its own. */
  readonly constraints?: readonly SpaceConstraint[];
  /** Tries `sample` and `mutate` make before giving up (default 100). */
  readonly maxAttempts?: number;
}

const NO_VALUES: Readonly<Record<string, unknown>> = Object.freeze({});

function invalidArgument(subject: string, path: string, message: string, value: unknown): never {
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${subject}: ${path} ${message} (got ${describeValue(value)})`,
    issues: [{ path, message, value }],
  });
}

function checkRandom(subject: string, random: unknown): void {
  const next = guardInput(subject, 'random', random, () => (random as Random | undefined)?.next);
  if (typeof next !== 'function') {
    invalidArgument(subject, 'random', 'must be a Random from createRandom()', random);
  }
}

/** A draw whose random source may be the caller's own: whatever it throws is named as its fault. */
function drawWith(subject: string, random: unknown, draw: Draw): Draw {
  return (node) => guardInput(subject, 'random', random, () => draw(node));
}

function attemptsOf(
  subject: string,
  options: { maxAttempts?: number } | undefined,
  fallback: number,
) {
  const attempts = guardInput(subject, 'options', options, () => options?.maxAttempts ?? fallback);
  if (!Number.isInteger(attempts) || attempts < 1) {
    invalidArgument(subject, 'options.maxAttempts', 'must be a positive integer', attempts);
  }
  return attempts;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalidConfiguration(issues: readonly Issue[]): ConfigurationError {
  return new ConfigurationError({
    code: 'CONFIGURATION_INVALID',
    message: `configuration is invalid: ${formatIssues(issues)}`,
    issues,
  });
}

/**
 * Builds a variable space: checks its structure once (duplicate ids, unknown dependencies and
 * cycles throw a `SpaceDefinitionError`) and compiles a plain-function checker per variable, so
 * validation, sampling and mutation run without schemas on the hot path.
 *
 * A value given for an inactive variable is dropped without an issue: a configuration stays
 * valid when a switch turns a branch off, and the returned configuration never holds it.
 *
 * @example
 * const space = createVariableSpace([
 *   float('temperature', { range: [0, 2], default: 0.7, precision: 2 }),
 *   boolean('useTools'),
 *   choice('toolChoice', {
 *     choices: ['auto', 'required'],
 *     condition: { variable: 'useTools', when: { equals: true } },
 *   }),
 * ]);
 * space.validate({ temperature: 0.8 }); // { temperature: 0.8, useTools: false }
 * space.sample(createRandom(7));
 */
export function createVariableSpace(
  variables: readonly Variable[],
  options: VariableSpaceOptions = {},
): VariableSpace {
  const space = compileSpace(variables, options);
  const ordered = Object.freeze(space.nodes.map((node) => node.variable));
  const constraints = Object.freeze(space.constraints.map((compiled) => compiled.constraint));

  // Every user callback inside evaluate is contained on its own; what else can throw is reading
  // the caller's configuration (a getter, a Proxy), which is one more issue of that configuration.
  const evaluateInput = (
    input: Readonly<Record<string, unknown>>,
    issues: Issue[],
    draw?: Draw,
  ): Configuration => {
    try {
      return evaluate(space, input, issues, draw);
    } catch (cause) {
      if (VarplaneError.isInstance(cause)) throw cause;
      issues.push({ path: '', message: `could not be read (${reasonOf(cause)})` });
      return {};
    }
  };

  const check = (configuration: Readonly<Record<string, unknown>>): CheckResult => {
    if (!isRecord(configuration)) {
      const message = 'must be an object of variable values';
      return { ok: false, issues: [{ path: '', message, value: configuration }] };
    }
    const issues: Issue[] = [];
    const out = evaluateInput(configuration, issues);
    return issues.length === 0 ? { ok: true, configuration: out } : { ok: false, issues };
  };

  const validate = (configuration: Readonly<Record<string, unknown>>): Configuration => {
    if (!isRecord(configuration)) {
      throw invalidConfiguration((check(configuration) as { issues: readonly Issue[] }).issues);
    }
    const issues: Issue[] = [];
    const out = evaluateInput(configuration, issues);
    if (issues.length === 0) return out;
    throw invalidConfiguration(issues);
  };

  const sample = (random: Random, sampleOptions?: { maxAttempts?: number }): Configuration => {
    checkRandom('sample', random);
    const maxAttempts = attemptsOf('sample', sampleOptions, space.maxAttempts);
    // Frozen variables draw `undefined`, which keeps their default.
    const draw = drawWith('sample', random, (node) =>
      node.frozen ? undefined : node.sampler?.sample(random),
    );
    let issues: Issue[] = [];
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      issues = [];
      const out = evaluateInput(NO_VALUES, issues, draw);
      if (issues.length === 0) return out;
    }
    throw new SamplingError({
      code: 'SAMPLING_EXHAUSTED',
      message: `sample: no valid configuration in ${maxAttempts} attempts; last attempt: ${formatIssues(issues)}`,
      attempts: maxAttempts,
      issues,
    });
  };

  const mutate = (
    configuration: Configuration,
    random: Random,
    strength: number,
  ): Configuration => {
    checkRandom('mutate', random);
    if (typeof strength !== 'number' || !(strength >= 0 && strength <= 1)) {
      invalidArgument('mutate', 'strength', 'must be a number in [0, 1]', strength);
    }
    const base = validate(configuration);
    const movable = space.nodes.filter(
      (node) => !node.frozen && node.sampler?.canVary === true && Object.hasOwn(base, node.id),
    );
    if (movable.length === 0) return base;
    const moves = Math.max(1, Math.round(strength * movable.length));
    const chosen = new Uint8Array(space.nodes.length);
    const draw = drawWith('mutate', random, (node) => {
      const current = readValue(base, node);
      const sampler = node.sampler as NonNullable<typeof node.sampler>;
      if (chosen[node.index] === 1) return sampler.mutate(current as JsonValue, random, strength);
      if (current !== undefined || node.frozen) return current;
      // Newly active (its condition just turned on): it has no value to keep yet.
      return sampler.sample(random);
    });
    const key = (importance: number) =>
      guardInput('mutate', 'random', random, () => random.next() ** (1 / importance));
    for (let attempt = 0; attempt < space.maxAttempts; attempt++) {
      chosen.fill(0);
      // Efraimidis-Spirakis: the `moves` largest keys u^(1/importance) are a weighted draw
      // without replacement, so important variables move more often.
      const keyed = movable.map((node) => ({
        index: node.index,
        key: key(node.importance),
      }));
      keyed.sort((a, b) => b.key - a.key);
      for (let k = 0; k < moves; k++) chosen[(keyed[k] as { index: number }).index] = 1;
      const issues: Issue[] = [];
      const out = evaluateInput(base, issues, draw);
      if (issues.length === 0) return out;
    }
    return base;
  };

  const result: VariableSpace = {
    variables: ordered,
    constraints,
    get: (id) => space.byId.get(id)?.variable,
    defaults: () => validate(NO_VALUES),
    validate,
    check,
    isActive(id, configuration) {
      const node = space.byId.get(id);
      if (node === undefined)
        invalidArgument('isActive', 'id', 'is not a variable of this space', id);
      if (node.conditionIndex < 0) return true;
      if (!isRecord(configuration)) {
        invalidArgument('isActive', 'configuration', 'must be an object', configuration);
      }
      // Fill the configuration the way validate would (defaults, composites, inactive branches
      // dropped) without constraints, then judge the condition on the finished value.
      const filled = guardInput('isActive', 'configuration', configuration, () =>
        evaluate(space, configuration, [], (each) => readValue(configuration, each), false),
      );
      const decider = space.nodes[node.conditionIndex] as SpaceNode;
      return (
        Object.hasOwn(filled, decider.id) &&
        (node.predicate as (value: unknown) => boolean)(filled[decider.id])
      );
    },
    sample,
    sampleMany(count, random, sampleOptions) {
      if (!Number.isInteger(count) || count < 0 || count > MAX_SAMPLE_COUNT) {
        invalidArgument(
          'sampleMany',
          'count',
          `must be an integer from 0 to ${MAX_SAMPLE_COUNT}`,
          count,
        );
      }
      const out: Configuration[] = [];
      for (let i = 0; i < count; i++) out.push(sample(random, sampleOptions));
      return out;
    },
    mutate,
    dimensionality() {
      let discrete = 0;
      let continuous = 0;
      for (const node of space.nodes) {
        if (node.frozen || node.sampler === undefined || !node.sampler.canVary) continue;
        if (node.sampler.continuous) continuous++;
        else discrete++;
      }
      return { discrete, continuous, total: discrete + continuous };
    },
    serialize: (configuration) => JSON.stringify(validate(configuration)),
    parse(text) {
      if (typeof text !== 'string') {
        throw new ConfigurationError({
          code: 'CONFIGURATION_MALFORMED_JSON',
          message: `parse: expected JSON text (got ${describeValue(text)})`,
          issues: [{ path: '', message: 'must be a string of JSON', value: text }],
        });
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        const message = `is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
        throw new ConfigurationError({
          code: 'CONFIGURATION_MALFORMED_JSON',
          message: `parse: text ${message} (got ${describeValue(text)})`,
          issues: [{ path: '', message, value: text }],
          cause: error,
        });
      }
      return validate(value as Readonly<Record<string, unknown>>);
    },
  };
  return Object.freeze(result);
}
