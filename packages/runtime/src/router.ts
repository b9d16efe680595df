import { InvalidArgumentError } from '@varplane/core';

export type RouterKind = 'round_robin' | 'least_loaded';

/**
 * Spreads messages for one agent id over its instances: in turn (`round_robin`), or to the one
 * with the fewest waiting messages (`least_loaded`, ties broken in turn).
 */
export interface Router {
  readonly kind: RouterKind;
  readonly instances: readonly string[];
  /** The instance id the next message goes to. */
  pick(): string;
}

/**
 * @param load how loaded an instance is (its mailbox depth, say); read only by `least_loaded`.
 *
 * @example
 * const router = createRouter('least_loaded', ['coder', 'coder:2'], (id) => depthOf(id));
 * router.pick(); // the instance with the shortest queue
 */
export function createRouter(
  kind: RouterKind,
  instances: readonly string[],
  load: (instance: string) => number,
): Router {
  if (instances.length === 0) {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: 'createRouter: needs at least one instance',
      issues: [{ path: 'instances', message: 'must not be empty', value: instances }],
    });
  }
  const list = instances.slice();
  let next = 0;
  const roundRobin = () => {
    const id = list[next] as string;
    next = (next + 1) % list.length;
    return id;
  };
  const leastLoaded = () => {
    let best = next;
    let bestLoad = Number.POSITIVE_INFINITY;
    for (let i = 0; i < list.length; i++) {
      const index = (next + i) % list.length;
      const current = load(list[index] as string);
      if (current < bestLoad) {
        bestLoad = current;
        best = index;
      }
    }
    next = (best + 1) % list.length;
    return list[best] as string;
  };
  return { kind, instances: list, pick: kind === 'round_robin' ? roundRobin : leastLoaded };
}
