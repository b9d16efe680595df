import { z } from 'zod';
import { describeValue, StrategyRegistryError } from './errors';
import { guardInput } from './internal/guard';
import { parseOrThrow } from './internal/parse';
import {
  STRATEGY_KINDS,
  STRATEGY_METHODS,
  type Strategy,
  type StrategyByKind,
  type StrategyKind,
} from './strategies';

const strategyShape = z.object({
  kind: z.enum(STRATEGY_KINDS),
  name: z
    .string()
    .min(1, 'must not be empty')
    .regex(/^[a-z0-9][a-z0-9_.:-]*$/, 'must be lower case letters, digits and _ . : -'),
  specificationVersion: z.literal('v1'),
});

/** An explicit set of strategies, looked up by kind and name. Nothing registers itself on import. */
export interface StrategyRegistry {
  /** Adds a strategy; a taken name is an error unless `replace` is set. Returns the registry. */
  register(strategy: Strategy, options?: { replace?: boolean }): StrategyRegistry;
  /** The strategy, or a `STRATEGY_NOT_FOUND` error that lists the names registered for `kind`. */
  get<K extends StrategyKind>(kind: K, name: string): StrategyByKind[K];
  has(kind: StrategyKind, name: string): boolean;
  /** Registered strategies, of one kind or of all, in registration order. */
  list<K extends StrategyKind>(kind?: K): StrategyByKind[K][];
  /** Removes a strategy; false when it was not registered. */
  unregister(kind: StrategyKind, name: string): boolean;
}

/**
 * Creates an empty strategy registry.
 *
 * @example
 * const registry = createStrategyRegistry().register(createVickreyAuction());
 * const auction = registry.get('negotiation', 'vickrey');
 */
export function createStrategyRegistry(strategies: readonly Strategy[] = []): StrategyRegistry {
  const byKind = new Map<StrategyKind, Map<string, Strategy>>(
    STRATEGY_KINDS.map((kind) => [kind, new Map()]),
  );
  const table = (kind: StrategyKind): Map<string, Strategy> => {
    const found = byKind.get(kind);
    if (found === undefined) {
      throw new StrategyRegistryError({
        code: 'STRATEGY_INVALID',
        message: `strategy kind ${describeValue(kind)} is unknown; kinds are ${STRATEGY_KINDS.join(', ')}`,
      });
    }
    return found;
  };

  const registry: StrategyRegistry = {
    register(strategy, options = {}) {
      const shape = parseOrThrow(strategyShape, strategy, {
        code: 'STRATEGY_INVALID',
        subject: 'register strategy',
        error: (o) => new StrategyRegistryError(o),
      });
      const method = STRATEGY_METHODS[shape.kind];
      const implementation = guardInput(
        'register strategy',
        method,
        strategy,
        () => {
          return (strategy as unknown as Record<string, unknown>)[method];
        },
        { code: 'STRATEGY_INVALID', error: (o) => new StrategyRegistryError(o) },
      );
      const replace = guardInput('register strategy', 'options', options, () =>
        typeof options === 'object' && options !== null ? options.replace : undefined,
      );
      if (typeof implementation !== 'function') {
        throw new StrategyRegistryError({
          code: 'STRATEGY_INVALID',
          message: `register strategy: a ${shape.kind} strategy needs a ${method}() method (strategy ${describeValue(shape.name)})`,
        });
      }
      const names = table(shape.kind);
      if (names.has(shape.name) && replace !== true) {
        throw new StrategyRegistryError({
          code: 'STRATEGY_DUPLICATE',
          message: `register strategy: a ${shape.kind} strategy named ${describeValue(shape.name)} is already registered; pass { replace: true } to replace it`,
        });
      }
      names.set(shape.name, strategy);
      return registry;
    },
    get(kind, name) {
      const found = table(kind).get(name);
      if (found === undefined) {
        const known = [...table(kind).keys()];
        throw new StrategyRegistryError({
          code: 'STRATEGY_NOT_FOUND',
          message: `no ${kind} strategy named ${describeValue(name)}; registered: ${known.length > 0 ? known.join(', ') : '(none)'}`,
        });
      }
      return found as StrategyByKind[typeof kind];
    },
    has(kind, name) {
      return byKind.get(kind)?.has(name) ?? false;
    },
    list(kind) {
      const kinds = kind === undefined ? STRATEGY_KINDS : [kind];
      return kinds.flatMap((k) => [...table(k).values()]) as StrategyByKind[NonNullable<
        typeof kind
      >][];
    },
    unregister(kind, name) {
      return table(kind).delete(name);
    },
  };
  if (!Array.isArray(strategies)) {
    throw new StrategyRegistryError({
      code: 'STRATEGY_INVALID',
      message: `createStrategyRegistry: strategies must be an array of strategies (got ${describeValue(strategies)})`,
    });
  }
  const given = guardInput(
    'createStrategyRegistry',
    'strategies',
    strategies,
    () => [...strategies],
    {
      code: 'STRATEGY_INVALID',
      error: (o) => new StrategyRegistryError(o),
    },
  );
  for (const strategy of given) registry.register(strategy);
  return registry;
}
