import type { ResourceAllocationStrategy, ResourceGrant, ResourceRequest } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { attachConditions, type GrantConditionPolicy } from './grant-conditions';
import { RequestIndex } from './internal/allocation';
import {
  type OperationOptions,
  operationOptionsShape,
  runOptions,
} from './internal/operation-options';
import { checkOrThrow, invalid, parseOrThrow } from './internal/parse';
import { resolveStrategy } from './internal/resolve-strategy';
import {
  areRequests,
  availableSchema,
  requestsSchema,
  resourceRequestSchema,
} from './internal/resource-request';

export { resourceRequestSchema };

import { checkResult, invalidResult, runStrategy } from './internal/run-strategy';

/** Options of {@link coordinateResources}. */
export interface CoordinateResourcesOptions extends OperationOptions {
  /** A registered allocator's name, or the allocator itself (default `priority`). */
  strategy?: string | ResourceAllocationStrategy;
  /** Which of the card's conditions to attach to the grants. */
  conditions?: GrantConditionPolicy;
}

/** A request granted less than it asked. */
export interface Shortfall {
  agent: string;
  resourceType: string;
  requested: number;
  granted: number;
}

/** What an allocation handed out. */
export interface ResourceAllocation {
  /** One grant per request that got something, in request order. */
  grants: ResourceGrant[];
  shortfalls: Shortfall[];
  /** Units left of every available type. */
  remaining: Record<string, number>;
  /** The allocator's name. */
  strategy: string;
}

const SUBJECT = 'coordinateResources';

const optionsSchema = z.strictObject({
  ...operationOptionsShape,
  strategy: z
    .union([
      z.string().min(1),
      z.custom<ResourceAllocationStrategy>(
        (s) => typeof s === 'object' && s !== null,
        'must be a strategy',
      ),
    ])
    .optional(),
  conditions: z
    .strictObject({
      releaseOnIdleMs: z.number().int().positive().optional(),
      preemptible: z.boolean().optional(),
      shareContended: z.boolean().optional(),
    })
    .optional(),
});

const conditionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('release_on_idle'), afterMs: z.number().positive() }),
  z.object({ type: z.literal('share_with'), agent: z.string().min(1) }),
  z.object({ type: z.literal('priority_preemption'), priority: z.number() }),
]);

const grantSchema = z.object({
  agent: z.string(),
  resourceType: z.string(),
  grantedAmount: z.number().int('must be a whole number of units').nonnegative(),
  grantDuration: z.union([z.number().positive(), z.literal('indefinite')]),
  conditions: z.array(conditionSchema),
});
const grantsSchema = z.array(grantSchema);

function isGrant(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const { agent, resourceType, grantedAmount, grantDuration, conditions } = input as Record<
    string,
    unknown
  >;
  return (
    typeof agent === 'string' &&
    typeof resourceType === 'string' &&
    Number.isInteger(grantedAmount) &&
    (grantedAmount as number) >= 0 &&
    (grantDuration === 'indefinite' ||
      (typeof grantDuration === 'number' && Number.isFinite(grantDuration) && grantDuration > 0)) &&
    Array.isArray(conditions) &&
    (conditions.length === 0 || conditionSchema.array().safeParse(conditions).success)
  );
}

function checkRequests(
  requests: readonly ResourceRequest[],
  available: Readonly<Record<string, number>>,
): RequestIndex {
  checkOrThrow(requests, areRequests, requestsSchema, {
    subject: SUBJECT,
    prefix: 'requests',
    code: (_issue, segments) =>
      segments[1] === 'amount' ? 'RESOURCE_INVALID_AMOUNT' : 'INVALID_ARGUMENT',
  });
  parseOrThrow(availableSchema, available, {
    subject: SUBJECT,
    prefix: 'available',
    code: (_issue, segments) =>
      segments.length > 0 ? 'RESOURCE_INVALID_AMOUNT' : 'INVALID_ARGUMENT',
  });
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i] as ResourceRequest;
    if (!Object.hasOwn(available, r.resourceType)) {
      invalid(
        SUBJECT,
        'RESOURCE_UNKNOWN',
        `requests.${i}.resourceType`,
        `is not an available resource (available: ${Object.keys(available).join(', ') || '(none)'})`,
        r.resourceType,
      );
    }
  }
  const index = new RequestIndex(requests);
  if (index.duplicate !== undefined) {
    const r = requests[index.duplicate] as ResourceRequest;
    invalid(
      SUBJECT,
      'RESOURCE_DUPLICATE_REQUEST',
      `requests.${index.duplicate}`,
      `${r.agent} already asked for ${r.resourceType}`,
      r.agent,
    );
  }
  return index;
}

/**
 * Allocates available resources among competing requests with a registered allocator
 * (`priority`, `proportional_share`, `max_min_fairness`, `dominant_resource_fairness`, or a
 * plugin). Amounts are whole units (count millicores, megabytes, tokens). The result never grants
 * a request more than it asked, nor a type more than is available: an allocator that tries is
 * `STRATEGY_INVALID_RESULT`. `options.conditions` attaches the card's grant conditions.
 *
 * Errors: `RESOURCE_UNKNOWN` (a type not in `available`, listing the known ones),
 * `RESOURCE_INVALID_AMOUNT`, `RESOURCE_DUPLICATE_REQUEST`, `STRATEGY_NOT_FOUND`, `INVALID_ARGUMENT`.
 *
 * @example
 * const { grants, shortfalls } = await coordinateResources(
 *   [
 *     { agent: 'coder', resourceType: 'gpu', amount: 2, priority: 5, duration: 'indefinite' },
 *     { agent: 'critic', resourceType: 'gpu', amount: 2, priority: 1, duration: 60_000 },
 *   ],
 *   { gpu: 3 },
 *   { strategy: 'priority', conditions: { preemptible: true } },
 * ); // coder 2, critic 1 (short by 1)
 */
export async function coordinateResources(
  requests: readonly ResourceRequest[],
  available: Readonly<Record<string, number>>,
  options: CoordinateResourcesOptions = {},
): Promise<ResourceAllocation> {
  const index = checkRequests(requests, available);
  const opts = parseOrThrow(optionsSchema, options, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  }) as CoordinateResourcesOptions;
  const allocator = resolveStrategy(
    'resource-allocation',
    opts.strategy ?? 'priority',
    opts.registry,
  );
  const raw =
    requests.length === 0
      ? []
      : await runStrategy(
          allocator,
          (context) => allocator.allocate(requests, available, context),
          runOptions(opts),
        );
  const grants = (
    Array.isArray(raw) && raw.every(isGrant)
      ? (raw as readonly ResourceGrant[])
      : checkResult(allocator, grantsSchema, raw)
  ) as readonly ResourceGrant[];

  const granted = new Float64Array(requests.length).fill(-1);
  const remaining: Record<string, number> = { ...available };
  const kept: ResourceGrant[] = [];
  for (const grant of grants) {
    const i = index.indexOf(grant.agent, grant.resourceType);
    const request = requests[i];
    if (request === undefined) {
      throw invalidResult(
        allocator,
        `a grant of ${grant.resourceType} to ${describeValue(grant.agent)}, who did not ask for it`,
      );
    }
    if ((granted[i] as number) >= 0) {
      throw invalidResult(
        allocator,
        `two grants of ${grant.resourceType} to ${describeValue(grant.agent)}`,
      );
    }
    if (grant.grantedAmount > request.amount) {
      throw invalidResult(
        allocator,
        `${grant.agent} granted ${grant.grantedAmount} ${grant.resourceType}, more than the ${request.amount} it asked`,
      );
    }
    granted[i] = grant.grantedAmount;
    remaining[grant.resourceType] = (remaining[grant.resourceType] as number) - grant.grantedAmount;
    if (grant.grantedAmount > 0) kept.push(grant);
  }
  for (const [type, left] of Object.entries(remaining)) {
    if (left < 0) {
      throw invalidResult(
        allocator,
        `granted ${(available[type] as number) - left} ${type}, more than the ${available[type]} available`,
      );
    }
  }
  const shortfalls: Shortfall[] = [];
  requests.forEach((r, i) => {
    const got = Math.max(0, granted[i] as number);
    if (got < r.amount)
      shortfalls.push({
        agent: r.agent,
        resourceType: r.resourceType,
        requested: r.amount,
        granted: got,
      });
  });
  const policy = opts.conditions;
  return {
    grants: policy === undefined ? kept : attachConditions(kept, requests, available, policy),
    shortfalls,
    remaining,
    strategy: allocator.name,
  };
}
