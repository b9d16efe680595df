import {
  STRATEGY_METHODS,
  type StrategyByKind,
  type StrategyKind,
  type StrategyRegistry,
  StrategyRegistryError,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { createCoordinationRegistry } from '../coordination-registry';

// Built lazily on the first lookup without a registry, never on import; no caller can reach it to
// register anything, so it holds the built-ins and nothing else.
let builtins: StrategyRegistry | undefined;

/**
 * The strategy an operation runs: an object is checked for its kind and method, a name is looked up
 * in `registry` (the built-ins when none is given; `STRATEGY_NOT_FOUND` lists the registered names).
 */
export function resolveStrategy<K extends StrategyKind>(
  kind: K,
  strategy: string | StrategyByKind[K],
  registry: StrategyRegistry | undefined,
): StrategyByKind[K] {
  if (typeof strategy === 'string') {
    if (registry !== undefined) return registry.get(kind, strategy);
    builtins ??= createCoordinationRegistry();
    return builtins.get(kind, strategy);
  }
  const given = strategy as unknown as Record<string, unknown> | null;
  if (typeof given !== 'object' || given === null) {
    throw new StrategyRegistryError({
      code: 'STRATEGY_INVALID',
      message: `expected a ${kind} strategy or its name (got ${describeValue(strategy)})`,
    });
  }
  if (given.kind !== kind) {
    throw new StrategyRegistryError({
      code: 'STRATEGY_KIND_MISMATCH',
      message: `expected a ${kind} strategy; ${describeValue(given.name)} is a ${describeValue(given.kind)} strategy`,
    });
  }
  const method = STRATEGY_METHODS[kind];
  if (typeof given[method] !== 'function') {
    throw new StrategyRegistryError({
      code: 'STRATEGY_INVALID',
      message: `a ${kind} strategy needs a ${method}() method (strategy ${describeValue(given.name)})`,
    });
  }
  return strategy;
}
