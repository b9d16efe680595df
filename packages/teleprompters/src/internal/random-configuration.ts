import type { Configuration, JsonValue, Random, VariableSpace } from '@varplane/core';

/**
 * A configuration drawn at random from `space`, except variables that cannot move (frozen or
 * fixed), which keep their values in `base` rather than falling back to defaults.
 */
export function randomConfiguration(
  space: VariableSpace,
  random: Random,
  base: Configuration,
  keep: (id: string) => boolean,
): Configuration {
  const sampled = space.sample(random);
  const raw: Record<string, JsonValue> = { ...sampled };
  for (const variable of space.variables) {
    if (keep(variable.id) && Object.hasOwn(base, variable.id)) {
      raw[variable.id] = base[variable.id] as JsonValue;
    }
  }
  const checked = space.check(raw);
  return checked.ok ? checked.configuration : sampled;
}
