import type { ResourceAllocationStrategy, ResourceRequest } from '@varplane/core';
import { z } from 'zod';
import { allocatePerType } from './internal/allocation';
import { parseOrThrow } from './internal/parse';
import { checkAllocation } from './internal/strategy-input';

/** Options of {@link createPriorityAllocator}. */
export interface PriorityAllocatorOptions {
  /** The name it registers under (default `priority`). */
  name?: string;
}

const optionsSchema = z.strictObject({ name: z.string().min(1).optional() });

/** Strict priority: each priority class in turn takes what it asked, sharing by amount within. */
function byPriority(requests: readonly ResourceRequest[], units: number): number[] {
  const shares = requests.map(() => 0);
  const classes = [...new Set(requests.map((r) => r.priority))].sort((a, b) => b - a);
  let left = units;
  for (const priority of classes) {
    if (left <= 0) break;
    const members = requests.flatMap((r, k) => (r.priority === priority ? [k] : []));
    const asked = members.reduce((s, k) => s + (requests[k] as ResourceRequest).amount, 0);
    const ratio = asked <= left ? 1 : left / asked;
    for (const k of members) shares[k] = (requests[k] as ResourceRequest).amount * ratio;
    left -= Math.min(asked, left);
  }
  return shares;
}

/**
 * Priority allocation (`priority`): per resource type, higher priorities are served first and in
 * full; the first class that does not fit shares what is left in proportion to the amounts asked,
 * and lower classes get nothing. Grants are whole units.
 *
 * @example
 * await coordinateResources(requests, { gpu: 4, memory: 64 }, { strategy: 'priority' });
 */
export function createPriorityAllocator(
  options: PriorityAllocatorOptions = {},
): ResourceAllocationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createPriorityAllocator',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'resource-allocation',
    name: opts.name ?? 'priority',
    specificationVersion: 'v1',
    description: 'Higher priorities first; the class that does not fit shares by amount.',
    allocate(requests, available, context) {
      checkAllocation('priority.allocate', requests, available, context);
      return allocatePerType(requests, available, byPriority);
    },
  };
}
