import { describeValue, type Issue } from '../errors';
import type { JsonValue } from '../variable';
import type { CompiledSpace, SpaceNode } from './compile-space';
import { errorMessage, INVALID, type Invalid, jsonEqual, normalizeJson } from './json';

/**
 * Supplies a raw value for an active, non-composite variable, in place of reading the input:
 * sampling and mutation draw values this way and still go through every check. `undefined` means
 * "use the default".
 */
export type Draw = (node: SpaceNode) => unknown;

/** Reads a variable's raw value; ids such as `constructor` must not find `Object.prototype`'s. */
export function readValue(input: Readonly<Record<string, unknown>>, node: SpaceNode): unknown {
  if (node.shadowsPrototype && !Object.hasOwn(input, node.id)) return undefined;
  return input[node.id];
}

function computeComposite(
  node: SpaceNode,
  values: unknown[],
  issues: Issue[],
): JsonValue | Invalid {
  const inputs: Record<string, unknown> = {};
  const { inputIds, inputIndices } = node;
  for (let k = 0; k < inputIndices.length; k++) {
    const value = values[inputIndices[k] as number];
    // The failed input already has its own issue; a second one here would only be noise.
    if (value === INVALID) return INVALID;
    if (value !== undefined) inputs[inputIds[k] as string] = value;
  }
  let result: unknown;
  try {
    result = (node.compute as NonNullable<SpaceNode['compute']>)(inputs);
  } catch (error) {
    issues.push({ path: node.id, message: `compute threw: ${errorMessage(error)}` });
    return INVALID;
  }
  return normalizeJson(result, node.id, issues);
}

/**
 * The one pass behind validate, check, sample, mutate and isActive. Walks the variables in
 * dependency order, so conditions and composites only ever read finished values; pushes every
 * problem to `issues` and returns the configuration built so far.
 *
 * `values[i]` holds node i's value: a JSON value, `undefined` when inactive, or `INVALID`. A
 * variable whose condition reads an invalid value is itself marked invalid without an issue of
 * its own, so one mistake is reported once.
 */
export function evaluate(
  space: CompiledSpace,
  input: Readonly<Record<string, unknown>>,
  issues: Issue[],
  draw?: Draw,
  withConstraints = true,
): Record<string, JsonValue> {
  const nodes = space.nodes;
  const count = nodes.length;
  const values: unknown[] = new Array(count);
  const out: Record<string, JsonValue> = {};
  let anyInvalid = false;
  // How many input keys name a variable; when it falls short of the key count, some key is unknown.
  let known = 0;
  for (let i = 0; i < count; i++) {
    const node = nodes[i] as SpaceNode;
    // Inlined readValue: this loop is the hot path of every optimizer.
    const given =
      draw !== undefined
        ? undefined
        : node.shadowsPrototype && !Object.hasOwn(input, node.id)
          ? undefined
          : input[node.id];
    if (given !== undefined) known++;
    if (node.conditionIndex >= 0) {
      const decider = values[node.conditionIndex];
      if (decider === undefined) continue;
      if (decider === INVALID) {
        values[i] = INVALID;
        continue;
      }
      let active: boolean;
      try {
        active = (node.predicate as (value: unknown) => boolean)(decider);
      } catch (error) {
        issues.push({ path: node.id, message: `condition threw: ${errorMessage(error)}` });
        values[i] = INVALID;
        anyInvalid = true;
        continue;
      }
      if (!active) continue;
    }
    let value: JsonValue | Invalid;
    if (node.check === undefined) {
      value = computeComposite(node, values, issues);
      if (value !== INVALID && given !== undefined && !jsonEqual(given, value)) {
        issues.push({
          path: node.id,
          message: `must equal its computed value ${describeValue(value)}`,
          value: given,
        });
      }
    } else {
      const raw = draw === undefined ? given : draw(node);
      value = raw === undefined ? (node.defaultValue as JsonValue) : node.check(raw, issues);
    }
    values[i] = value;
    if (value === INVALID) anyInvalid = true;
    else out[node.id] = value;
  }
  if (withConstraints) checkConstraints(space, values, out, issues, anyInvalid);
  if (draw === undefined) {
    const keys = Object.keys(input);
    if (keys.length !== known) {
      for (const key of keys) {
        if (!space.byId.has(key)) {
          issues.push({ path: key, message: 'is not a variable of this space', value: input[key] });
        }
      }
    }
  }
  return out;
}

function dependsOnInvalid(indices: readonly number[], values: readonly unknown[]): boolean {
  for (const index of indices) if (values[index] === INVALID) return true;
  return false;
}

// Constraints run on the finished configuration (they may read any variable), but never on a
// value that failed its own checks, nor when what they read failed: they would misreport or throw.
function checkConstraints(
  space: CompiledSpace,
  values: readonly unknown[],
  out: Record<string, JsonValue>,
  issues: Issue[],
  anyInvalid: boolean,
): void {
  for (const node of space.constrainedNodes) {
    const value = values[node.index];
    if (value === undefined || value === INVALID) continue;
    if (anyInvalid && dependsOnInvalid(node.dependencyIndices, values)) continue;
    for (const constraint of node.constraints) {
      let ok: boolean;
      let message = constraint.message;
      try {
        ok = constraint.check(value, out) === true;
      } catch (error) {
        ok = false;
        message = `constraint "${constraint.message}" threw: ${errorMessage(error)}`;
      }
      if (!ok) issues.push({ path: node.id, message, value });
    }
  }
  for (const compiled of space.constraints) {
    if (anyInvalid && dependsOnInvalid(compiled.rootIndices, values)) continue;
    const name = compiled.constraint.name;
    let result: boolean | string;
    try {
      result = compiled.constraint.check(out);
    } catch (error) {
      result = `threw: ${errorMessage(error)}`;
    }
    if (result === true) continue;
    const issue: Issue = {
      path: compiled.path,
      message: typeof result === 'string' ? `${name}: ${result}` : `violates constraint "${name}"`,
    };
    if (Object.hasOwn(out, compiled.path)) issue.value = out[compiled.path];
    issues.push(issue);
  }
}
