import type {
  AgentStats,
  Clock,
  ResourceGrant,
  ResourcePool,
  ResourceRequest,
  RuntimeEvent,
  TimerHandle,
} from '@varplane/core';
import { z } from 'zod';
import { BudgetExhaustedError } from './errors';
import { parseOrThrow } from './internal/parse';

/** A grant the book holds, with who may use it and what may take it back. */
export interface HeldGrant {
  readonly agent: string;
  readonly resourceType: string;
  readonly amount: number;
  /** The priority of the request it answered (preemption compares against it). */
  readonly priority: number;
  /** Agents the holder shares it with (`share_with`): they hold it too, counted once. */
  readonly sharedWith: readonly string[];
  /** A request at this priority or above may take it back (`priority_preemption`). */
  readonly preemptibleAt: number | undefined;
  /** Released after this many ms in which the holder handled no message (`release_on_idle`). */
  readonly releaseOnIdleMs: number | undefined;
}

/** What became of one grant given to {@link GrantBook.apply}. */
export type GrantOutcome =
  | { readonly status: 'held'; readonly grant: HeldGrant; readonly preempted: readonly HeldGrant[] }
  | {
      readonly status: 'refused';
      readonly agent: string;
      readonly resourceType: string;
      readonly error: BudgetExhaustedError;
    };

/**
 * The grants of a running space, honouring the card's grant conditions: `release_on_idle` gives a
 * grant back once its holder has handled no message for the time given, `share_with` lets other
 * agents hold it too (counted once against the capacity), and `priority_preemption` lets a request
 * of that priority or above take it back when the capacity is short. Every release is a
 * `grant-released` event with its reason.
 */
export interface GrantBook {
  /**
   * Takes grants (as `coordinateResources` returns them) into the books, in order. The priority
   * of each is its request's (matched by agent and resource type; 0 without one). A grant that
   * does not fit the capacity left, even after preempting what its priority may take back, is
   * refused (`BUDGET_EXHAUSTED` in its outcome) and nothing is preempted for it. A new grant of
   * the same agent and type replaces the old one.
   */
  apply(grants: readonly ResourceGrant[], requests?: readonly ResourceRequest[]): GrantOutcome[];
  /** Gives back an agent's grants (of one type, or all); `grant-released` with reason `released`. */
  release(agentId: string, resourceType?: string): void;
  /** The grants an agent holds: its own and those shared with it. */
  held(agentId: string): HeldGrant[];
  /** What is left of a type's capacity (`Infinity` for a type without a stated capacity). */
  available(resourceType: string): number;
  /** Every grant held. */
  all(): HeldGrant[];
  /** Stops watching for idle holders (the space stopped); the grants stay as they were. */
  close(): void;
}

const conditionSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('release_on_idle'), afterMs: z.number().int().positive() }),
  z.strictObject({ type: z.literal('share_with'), agent: z.string().min(1) }),
  z.strictObject({ type: z.literal('priority_preemption'), priority: z.number().finite() }),
]);
const grantSchema = z.object({
  agent: z.string().min(1),
  resourceType: z.string().min(1),
  grantedAmount: z.number().finite().nonnegative(),
  grantDuration: z.union([z.number().nonnegative(), z.literal('indefinite')]),
  conditions: z.array(conditionSchema),
});
const requestSchema = z.object({
  agent: z.string().min(1),
  resourceType: z.string().min(1),
  priority: z.number().finite(),
});

/** The capacity of the pool's own resources, by the names requests use. */
export function poolCapacity(pool: ResourcePool): Record<string, number> {
  return {
    memory: pool.totalMemory,
    cpu: pool.totalCpu,
    concurrency: pool.concurrency,
    network: pool.networkBandwidth,
    storage: pool.storage,
    tokens: pool.tokens,
    cost: pool.cost,
  };
}

export interface GrantBookOptions {
  /** Capacity per resource type; a type without one is unbounded. */
  readonly capacity: Readonly<Record<string, number>>;
  readonly clock: Clock;
  /** The agents' counters, to tell an idle holder from a busy one. */
  readonly stats: () => readonly AgentStats[];
  readonly emit: (event: RuntimeEvent) => void;
}

export function createGrantBook(options: GrantBookOptions): GrantBook {
  const { clock, emit } = options;
  const capacity = new Map(Object.entries(options.capacity));
  // One grant per agent and type, kept in the order they were given.
  const grants = new Map<string, HeldGrant>();
  const idleTimers = new Map<string, TimerHandle>();
  const keyOf = (agent: string, type: string) => JSON.stringify([agent, type]);

  // Messages handled so far; NaN while mail waits, which never equals what was seen (busy).
  const handled = (agent: string) => {
    const stats = options.stats().find((s) => s.agent === agent);
    if (stats === undefined) return 0;
    return stats.mailboxDepth > 0 ? Number.NaN : stats.messagesHandled;
  };

  const used = (type: string) => {
    let sum = 0;
    for (const grant of grants.values()) if (grant.resourceType === type) sum += grant.amount;
    return sum;
  };
  const available = (type: string) => (capacity.get(type) ?? Number.POSITIVE_INFINITY) - used(type);

  const drop = (grant: HeldGrant, reason: 'idle' | 'preempted' | 'released', by?: string) => {
    const key = keyOf(grant.agent, grant.resourceType);
    if (grants.get(key) !== grant) return;
    grants.delete(key);
    const timer = idleTimers.get(key);
    if (timer !== undefined) clock.clearTimeout(timer);
    idleTimers.delete(key);
    emit({
      type: 'grant-released',
      at: clock.now(),
      agent: grant.agent,
      resourceType: grant.resourceType,
      amount: grant.amount,
      reason,
      ...(by === undefined ? {} : { by }),
    });
  };

  // Checks every `afterMs`: a holder that handled no message in the whole span gives it back.
  const watchIdle = (grant: HeldGrant, afterMs: number) => {
    const key = keyOf(grant.agent, grant.resourceType);
    let seen = handled(grant.agent);
    const check = () => {
      if (grants.get(key) !== grant) return;
      const now = handled(grant.agent);
      if (now === seen) drop(grant, 'idle');
      else {
        seen = now;
        idleTimers.set(key, clock.setTimeout(check, afterMs));
      }
    };
    idleTimers.set(key, clock.setTimeout(check, afterMs));
  };

  return {
    apply(input, requestsInput = []) {
      const given = parseOrThrow(z.array(grantSchema), input, {
        subject: 'grants.apply',
        prefix: 'grants',
      });
      const requests = parseOrThrow(z.array(requestSchema), requestsInput, {
        subject: 'grants.apply',
        prefix: 'requests',
      });
      const priorityOf = (agent: string, type: string) =>
        requests.find((r) => r.agent === agent && r.resourceType === type)?.priority ?? 0;
      return given.map((raw): GrantOutcome => {
        const conditions = raw.conditions;
        const idle = conditions.find((c) => c.type === 'release_on_idle');
        const preemption = conditions.find((c) => c.type === 'priority_preemption');
        const grant: HeldGrant = {
          agent: raw.agent,
          resourceType: raw.resourceType,
          amount: raw.grantedAmount,
          priority: priorityOf(raw.agent, raw.resourceType),
          sharedWith: conditions.flatMap((c) => (c.type === 'share_with' ? [c.agent] : [])),
          preemptibleAt:
            preemption?.type === 'priority_preemption' ? preemption.priority : undefined,
          releaseOnIdleMs: idle?.type === 'release_on_idle' ? idle.afterMs : undefined,
        };
        const key = keyOf(grant.agent, grant.resourceType);
        const previous = grants.get(key);
        const free = available(grant.resourceType) + (previous?.amount ?? 0);
        // What this request's priority may take back, the lowest priorities first.
        const takeable = [...grants.values()]
          .filter(
            (g) =>
              g !== previous &&
              g.resourceType === grant.resourceType &&
              g.preemptibleAt !== undefined &&
              grant.priority >= g.preemptibleAt,
          )
          .sort((a, b) => a.priority - b.priority);
        const victims: HeldGrant[] = [];
        let room = free;
        for (const victim of takeable) {
          if (room >= grant.amount) break;
          victims.push(victim);
          room += victim.amount;
        }
        if (room < grant.amount) {
          return {
            status: 'refused',
            agent: grant.agent,
            resourceType: grant.resourceType,
            error: new BudgetExhaustedError(grant.agent, grant.resourceType, grant.amount, free),
          };
        }
        for (const victim of victims) drop(victim, 'preempted', grant.agent);
        if (previous !== undefined) {
          grants.delete(key);
          const timer = idleTimers.get(key);
          if (timer !== undefined) clock.clearTimeout(timer);
          idleTimers.delete(key);
        }
        grants.set(key, grant);
        if (grant.releaseOnIdleMs !== undefined) watchIdle(grant, grant.releaseOnIdleMs);
        return { status: 'held', grant, preempted: victims };
      });
    },
    release(agentId, resourceType) {
      for (const grant of [...grants.values()]) {
        if (
          grant.agent === agentId &&
          (resourceType === undefined || grant.resourceType === resourceType)
        )
          drop(grant, 'released');
      }
    },
    held: (agentId) =>
      [...grants.values()].filter((g) => g.agent === agentId || g.sharedWith.includes(agentId)),
    available,
    all: () => [...grants.values()],
    close() {
      for (const timer of idleTimers.values()) clock.clearTimeout(timer);
      idleTimers.clear();
    },
  };
}
