import { inputError } from '../errors';

/** Equal as option values: the same primitive, or arrays of the same entries (plugins by identity). */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((entry, i) => same(entry, b[i]));
  return Object.is(a, b);
}

/**
 * The value of an option that also goes by the API card's name: either may be given, and they act
 * alike; both given with different values is refused (`INVALID_ARGUMENT`, naming the alias).
 */
export function aliased<T>(
  subject: string,
  canonical: { readonly name: string; readonly value: T | undefined },
  alias: { readonly name: string; readonly value: T | undefined },
): T | undefined {
  if (canonical.value === undefined) return alias.value;
  if (alias.value !== undefined && !same(canonical.value, alias.value)) {
    throw inputError(
      'INVALID_ARGUMENT',
      subject,
      `options.${alias.name}`,
      `is another name for options.${canonical.name}, which is given with another value`,
      alias.value,
    );
  }
  return canonical.value;
}
