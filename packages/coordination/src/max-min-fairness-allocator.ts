import type { ResourceAllocationStrategy, ResourceRequest } from '@varplane/core';
import { z } from 'zod';
import { allocatePerType, waterFill } from './internal/allocation';
import { parseOrThrow } from './internal/parse';
import { checkAllocation } from './internal/strategy-input';

/** Options of {@link createMaxMinFairnessAllocator}. */
export interface MaxMinFairnessOptions {
  /** The name it registers under (default `max_min_fairness`). */
  name?: string;
  /** Weigh each request by its priority instead of equally (weighted max-min). */
  weighted?: boolean;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  weighted: z.boolean().optional(),
});

/**
 * Max-min fairness (`max_min_fairness`): per resource type, water filling: the smallest requests
 * are met in full, and the rest share what remains equally (or in proportion to priority with
 * `weighted`), so no request can get more without taking from one that has less. Grants are whole
 * units.
 *
 * @example
 * const allocator = createMaxMinFairnessAllocator({ weighted: true });
 */
export function createMaxMinFairnessAllocator(
  options: MaxMinFairnessOptions = {},
): ResourceAllocationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createMaxMinFairnessAllocator',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const weighted = opts.weighted ?? false;
  const share = (requests: readonly ResourceRequest[], units: number) =>
    waterFill(
      requests.map((r) => r.amount),
      requests.map((r) => (weighted ? r.priority : 1)),
      units,
    );
  return {
    kind: 'resource-allocation',
    name: opts.name ?? 'max_min_fairness',
    specificationVersion: 'v1',
    description: 'Water filling: equal shares, capped at what each request asked.',
    allocate(requests, available, context) {
      checkAllocation('max_min_fairness.allocate', requests, available, context);
      return allocatePerType(requests, available, share);
    },
  };
}
