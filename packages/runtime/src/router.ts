import { z } from 'zod';
import { parseOrThrow } from './internal/parse';

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

const routerArgsSchema = z.object({
  kind: z.enum(['round_robin', 'least_loaded']),
  instances: z.array(z.string()).min(1, 'needs at least one instance'),
  load: z.custom<(instance: string) => number>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
});

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
  const { instances: list } = parseOrThrow(
    routerArgsSchema,
    { kind, instances, load },
    {
      code: 'INVALID_ARGUMENT',
      subject: 'createRouter',
    },
  );
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
