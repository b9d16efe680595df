import {
  type Configuration,
  createVariableSpace,
  type JsonValue,
  type Random,
  type Variable,
  type VariableSpace,
} from '@varplane/core';
import { jsonEqual } from './json';

// One single-variable space per variable, so a chosen variable moves by core's own sampler.
const solos = new WeakMap<Variable, VariableSpace>();

function soloSpace(variable: Variable): VariableSpace {
  let solo = solos.get(variable);
  if (solo === undefined) {
    // Its condition and dependencies point at other variables; the full space judges those.
    const { condition: _condition, ...rest } = variable;
    solo = createVariableSpace([{ ...rest, dependencies: [] } as Variable]);
    solos.set(variable, solo);
  }
  return solo;
}

/**
 * Moves the variables `ids` of `configuration` to neighbouring values and returns the result
 * validated by `space`, or `undefined` when no valid, different neighbour turned up in a few tries.
 */
export function mutateVariables(
  space: VariableSpace,
  configuration: Configuration,
  ids: readonly string[],
  strength: number,
  random: Random,
): Configuration | undefined {
  for (let attempt = 0; attempt < 8; attempt++) {
    const raw: Record<string, JsonValue> = { ...configuration };
    for (const id of ids) {
      const variable = space.get(id);
      if (variable === undefined || !Object.hasOwn(configuration, id)) continue;
      const moved = soloSpace(variable).mutate(
        { [id]: configuration[id] as JsonValue },
        random,
        strength,
      );
      raw[id] = moved[id] as JsonValue;
    }
    const checked = space.check(raw);
    if (checked.ok && !jsonEqual(checked.configuration, configuration)) {
      return checked.configuration;
    }
  }
  return undefined;
}
