import { describeValue, InvalidArgumentError } from './errors';
import { guardInput } from './internal/guard';
import { deepFreeze } from './internal/json';
import { setOwn } from './internal/own';
import type { JsonValue, Variable, VariableConstraint } from './variable';
import {
  type Configuration,
  createVariableSpace,
  type SpaceConstraint,
  type VariableSpace,
  type VariableSpaceOptions,
} from './variable-space';

function invalid(subject: string, path: string, message: string, value: unknown): never {
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${subject}: ${path} ${message} (got ${describeValue(value)})`,
    issues: [{ path, message, value }],
  });
}

/** The values of one part, with the part's prefix taken off their keys. */
function partOf<T>(values: Readonly<Record<string, T>>, prefix: string): Record<string, T> {
  const out: Record<string, T> = {};
  const start = prefix.length;
  for (const key of Object.keys(values)) {
    if (key.startsWith(prefix)) setOwn(out, key.slice(start), values[key] as T);
  }
  return out;
}

function prefixVariable(variable: Variable, prefix: string): Variable {
  const rename = (id: string) => prefix + id;
  const copy: Record<string, unknown> = {
    ...variable,
    id: rename(variable.id),
    dependencies: variable.dependencies.map(rename),
  };
  if (variable.condition !== undefined) {
    copy.condition = {
      variable: rename(variable.condition.variable),
      when: variable.condition.when,
    };
  }
  // The part's own callbacks were written against its own ids; they see their part un-prefixed.
  copy.constraints = variable.constraints.map(
    (constraint): VariableConstraint => ({
      message: constraint.message,
      check: (value, configuration) => constraint.check(value, partOf(configuration, prefix)),
    }),
  );
  if (variable.kind === 'composite') {
    const compute = variable.compute;
    copy.compute = (values: Readonly<Record<string, unknown>>) => compute(partOf(values, prefix));
  }
  return deepFreeze(copy) as unknown as Variable;
}

function prefixConstraint(constraint: SpaceConstraint, prefix: string): SpaceConstraint {
  return {
    name: prefix + constraint.name,
    paths: constraint.paths.map((path) => prefix + path),
    check: (configuration) => constraint.check(partOf(configuration, prefix)),
  };
}

/**
 * Joins several spaces into one whose ids carry their part's name (`coder.temperature`), so an
 * optimizer can search a whole team at once. Dependencies and conditions point at the prefixed
 * ids; composites, variable constraints and space constraints of a part still receive that part's
 * values under their own ids. `options.constraints` add rules across parts, on prefixed paths;
 * `options.maxAttempts` defaults to 1000.
 *
 * @example
 * const team = combineSpaces({ coder: coderSpace, reviewer: reviewerSpace });
 * const configuration = team.sample(createRandom(1)); // { 'coder.temperature': 0.4, ... }
 * splitConfiguration(configuration).coder; // { temperature: 0.4, ... }
 */
export function combineSpaces(
  parts: Readonly<Record<string, VariableSpace>>,
  options: VariableSpaceOptions = {},
): VariableSpace {
  if (typeof parts !== 'object' || parts === null || Array.isArray(parts)) {
    invalid('combineSpaces', 'parts', 'must be an object of named spaces', parts);
  }
  const variables: Variable[] = [];
  const constraints: SpaceConstraint[] = [];
  guardInput('combineSpaces', 'parts', parts, () => {
    for (const [name, space] of Object.entries(parts)) {
      if (name === '' || name.includes('.')) {
        invalid('combineSpaces', `parts.${name}`, 'name must be non-empty and free of "."', name);
      }
      if (!Array.isArray(space?.variables) || !Array.isArray(space?.constraints)) {
        invalid('combineSpaces', `parts.${name}`, 'must be a VariableSpace', space);
      }
      const prefix = `${name}.`;
      for (const variable of space.variables) variables.push(prefixVariable(variable, prefix));
      for (const constraint of space.constraints)
        constraints.push(prefixConstraint(constraint, prefix));
    }
  });
  const extra = guardInput('combineSpaces', 'options', options, () => {
    if (typeof options !== 'object' || options === null)
      invalid('combineSpaces', 'options', 'must be an object', options);
    const { constraints = [], maxAttempts = 1000 } = options;
    if (!Array.isArray(constraints))
      invalid('combineSpaces', 'options.constraints', 'must be an array', constraints);
    return { constraints: [...constraints], maxAttempts };
  });
  const combined: VariableSpaceOptions = {
    constraints: [...constraints, ...extra.constraints],
    // A joint draw must satisfy every part's constraints at once, so it is rejected about as often
    // as the parts' rejection rates multiplied: allow more tries than one space's 100.
    maxAttempts: extra.maxAttempts,
  };
  return createVariableSpace(variables, combined);
}

/**
 * Splits a configuration of a combined space back into one configuration per part, the inverse
 * of {@link combineSpaces}'s prefixing.
 *
 * @example
 * splitConfiguration({ 'coder.temperature': 0.4, 'team.size': 3 });
 * // { coder: { temperature: 0.4 }, team: { size: 3 } }
 */
export function splitConfiguration(configuration: Configuration): Record<string, Configuration> {
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
    invalid(
      'splitConfiguration',
      'configuration',
      'must be an object of prefixed ids',
      configuration,
    );
  }
  const entries = guardInput('splitConfiguration', 'configuration', configuration, () =>
    Object.entries(configuration),
  );
  const out: Record<string, Record<string, JsonValue>> = {};
  for (const [key, value] of entries) {
    const dot = key.indexOf('.');
    if (dot <= 0)
      invalid('splitConfiguration', key, 'is not a prefixed id of a combined space', key);
    const part = key.slice(0, dot);
    if (!Object.hasOwn(out, part)) setOwn(out, part, {});
    setOwn(out[part] as Record<string, JsonValue>, key.slice(dot + 1), value);
  }
  return out;
}
