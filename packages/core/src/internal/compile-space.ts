import { z } from 'zod';
import { describeValue, type Issue, SpaceDefinitionError } from '../errors';
import type {
  CompositeVariable,
  JsonValue,
  Predicate,
  Variable,
  VariableConstraint,
} from '../variable';
import type { SpaceConstraint } from '../variable-space';
import { functionSchema } from './define-variable';
import { orderByDependencies } from './dependency-order';
import { jsonEqual } from './json';
import { parseOrThrow } from './parse';
import { createValueChecker, type ValueChecker } from './value-checkers';
import { createValueSampler, type ValueSampler } from './value-samplers';

/** One variable, compiled for the hot paths: indices instead of ids, closures instead of schemas. */
export interface SpaceNode {
  /** Position in dependency order, and in the per-evaluation value arrays. */
  readonly index: number;
  readonly id: string;
  readonly variable: Variable;
  /** The id names an `Object.prototype` member, so reading it needs an own-property check. */
  readonly shadowsPrototype: boolean;
  /** Index of the condition's variable, or -1. */
  readonly conditionIndex: number;
  readonly predicate: ((value: unknown) => boolean) | undefined;
  /** Indices of every dependency. */
  readonly dependencyIndices: readonly number[];
  readonly compute: CompositeVariable['compute'] | undefined;
  /** A composite's inputs: ids and indices, aligned. */
  readonly inputIds: readonly string[];
  readonly inputIndices: readonly number[];
  /** Undefined for composites. */
  readonly check: ValueChecker | undefined;
  readonly sampler: ValueSampler | undefined;
  readonly defaultValue: JsonValue | undefined;
  readonly frozen: boolean;
  readonly importance: number;
  readonly constraints: readonly VariableConstraint[];
}

export interface CompiledConstraint {
  readonly constraint: SpaceConstraint;
  /** Where its issue goes: its first path, or the input itself. */
  readonly path: string;
  /** Indices of the variables its paths start with. */
  readonly rootIndices: readonly number[];
}

export interface CompiledSpace {
  readonly nodes: readonly SpaceNode[];
  readonly byId: ReadonlyMap<string, SpaceNode>;
  /** The nodes with constraints of their own, so checking skips the rest. */
  readonly constrainedNodes: readonly SpaceNode[];
  readonly constraints: readonly CompiledConstraint[];
  readonly maxAttempts: number;
}

const KINDS = new Set([
  'float',
  'integer',
  'choice',
  'boolean',
  'module',
  'text',
  'demos',
  'composite',
]);

const optionsSchema = z.strictObject({
  constraints: z
    .array(
      z.strictObject({
        name: z.string().min(1, 'must be a non-empty string'),
        paths: z.array(z.string()),
        check: functionSchema<SpaceConstraint['check']>(),
      }),
    )
    .optional(),
  maxAttempts: z.int().min(1).max(1_000_000).optional(),
});

function spaceError(code: string, message: string, issues: Issue[]): SpaceDefinitionError {
  return new SpaceDefinitionError({ code, message: `createVariableSpace: ${message}`, issues });
}

const isPrimitive = (value: JsonValue) => value === null || typeof value !== 'object';

function compilePredicate(when: Predicate): (value: unknown) => boolean {
  if (typeof when === 'function') return (value) => when(value) === true;
  // Conditions almost always compare primitives, where `===` is the whole of JSON equality.
  if ('equals' in when) {
    const target = when.equals;
    return isPrimitive(target) ? (value) => value === target : (value) => jsonEqual(value, target);
  }
  if ('notEquals' in when) {
    const target = when.notEquals;
    return isPrimitive(target) ? (value) => value !== target : (value) => !jsonEqual(value, target);
  }
  if ('oneOf' in when) {
    const targets = when.oneOf;
    if (targets.every(isPrimitive)) {
      const set = new Set<unknown>(targets);
      return (value) => set.has(value);
    }
    return (value) => targets.some((target) => jsonEqual(value, target));
  }
  const [low, high] = when.between;
  return (value) => typeof value === 'number' && value >= low && value <= high;
}

// Constructors already list the condition's variable; a hand-made variable may not.
function dependenciesOf(variable: Variable): readonly string[] {
  const condition = variable.condition?.variable;
  return condition === undefined || variable.dependencies.includes(condition)
    ? variable.dependencies
    : [...variable.dependencies, condition];
}

/** The variable a constraint path starts with: `examples[2].answer` reads `examples`. */
function rootOf(path: string, byId: ReadonlyMap<string, unknown>): string | undefined {
  if (byId.has(path)) return path;
  for (let end = path.length - 1; end > 0; end--) {
    const char = path[end];
    if ((char === '.' || char === '[') && byId.has(path.slice(0, end))) return path.slice(0, end);
  }
  return undefined;
}

/**
 * Checks the definition of a space and compiles it: every structural problem (duplicate ids,
 * unknown dependencies, cycles) surfaces here, never during validation.
 */
export function compileSpace(variables: unknown, options: unknown): CompiledSpace {
  if (!Array.isArray(variables)) {
    const message = 'variables must be an array';
    throw spaceError('INVALID_ARGUMENT', `${message} (got ${describeValue(variables)})`, [
      { path: 'variables', message, value: variables },
    ]);
  }
  const parsed = parseOrThrow(optionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'createVariableSpace',
    prefix: 'options',
    error: (failure) => new SpaceDefinitionError(failure),
  });
  const list = variables as readonly Variable[];
  const positions = new Map<string, number>();
  list.forEach((variable, position) => {
    const path = `variables[${position}]`;
    if (
      typeof variable !== 'object' ||
      variable === null ||
      !KINDS.has(variable.kind) ||
      typeof variable.id !== 'string' ||
      !Array.isArray(variable.dependencies)
    ) {
      const message = 'must be a variable made by a constructor such as float() or choice()';
      throw spaceError('INVALID_ARGUMENT', `${path} ${message} (got ${describeValue(variable)})`, [
        { path, message, value: variable },
      ]);
    }
    if (positions.has(variable.id)) {
      const message = `variable id ${JSON.stringify(variable.id)} appears more than once`;
      throw spaceError('SPACE_DUPLICATE_VARIABLE', message, [
        { path: `${path}.id`, message, value: variable.id },
      ]);
    }
    positions.set(variable.id, position);
  });
  const edges = list.map((variable, position) =>
    dependenciesOf(variable).map((dependency) => {
      const target = positions.get(dependency);
      if (target === undefined) {
        const message = `variable ${JSON.stringify(variable.id)} depends on unknown variable ${JSON.stringify(dependency)}`;
        throw spaceError('SPACE_UNKNOWN_DEPENDENCY', message, [
          { path: `variables[${position}].dependencies`, message, value: dependency },
        ]);
      }
      return target;
    }),
  );
  const sorted = orderByDependencies(edges);
  if (!sorted.ok) {
    const path = sorted.cycle.map((position) => list[position]?.id).join(' -> ');
    const message = `dependency cycle ${path}`;
    throw spaceError('SPACE_DEPENDENCY_CYCLE', message, [
      { path: 'variables', message, value: path },
    ]);
  }

  const indexOf = new Map<string, number>();
  for (const [index, position] of sorted.order.entries()) {
    indexOf.set(list[position]?.id as string, index);
  }
  const nodes = sorted.order.map((position, index) =>
    compileNode(list[position] as Variable, index, indexOf),
  );
  const byId = new Map(nodes.map((node) => [node.id, node]));

  const constraints = (parsed.constraints ?? []).map((constraint, position): CompiledConstraint => {
    const rootIndices = constraint.paths.map((path) => {
      const root = rootOf(path, byId);
      if (root === undefined) {
        const message = `constraint ${JSON.stringify(constraint.name)} reads unknown variable path ${JSON.stringify(path)}`;
        throw spaceError('SPACE_UNKNOWN_DEPENDENCY', message, [
          { path: `options.constraints[${position}].paths`, message, value: path },
        ]);
      }
      return indexOf.get(root) as number;
    });
    return { constraint, path: constraint.paths[0] ?? '', rootIndices };
  });
  return {
    nodes,
    byId,
    constrainedNodes: nodes.filter((node) => node.constraints.length > 0),
    constraints,
    maxAttempts: parsed.maxAttempts ?? 100,
  };
}

function compileNode(
  variable: Variable,
  index: number,
  indexOf: ReadonlyMap<string, number>,
): SpaceNode {
  const isComposite = variable.kind === 'composite';
  const inputIds = isComposite ? variable.dependencies : [];
  return {
    index,
    id: variable.id,
    variable,
    shadowsPrototype: variable.id in Object.prototype,
    conditionIndex:
      variable.condition === undefined ? -1 : (indexOf.get(variable.condition.variable) as number),
    predicate:
      variable.condition === undefined ? undefined : compilePredicate(variable.condition.when),
    dependencyIndices: dependenciesOf(variable).map((id) => indexOf.get(id) as number),
    compute: isComposite ? variable.compute : undefined,
    inputIds,
    inputIndices: inputIds.map((id) => indexOf.get(id) as number),
    check: isComposite ? undefined : createValueChecker(variable),
    sampler: isComposite ? undefined : createValueSampler(variable),
    defaultValue: isComposite ? undefined : (variable.default as JsonValue),
    frozen: variable.hints.frozen === true,
    importance: variable.hints.importance ?? 1,
    constraints: variable.constraints,
  };
}
