import type { ResourceAllocationStrategy, ResourceRequest } from '@varplane/core';
import { z } from 'zod';
import { allocatePerType } from './internal/allocation';
import { parseOrThrow } from './internal/parse';
import { checkAllocation } from './internal/strategy-input';

/** Options of {@link createProportionalShareAllocator}. */
export interface ProportionalShareOptions {
  /** The name it registers under (default `proportional_share`). */
  name?: string;
}

const optionsSchema = z.strictObject({ name: z.string().min(1).optional() });

function proportional(requests: readonly ResourceRequest[], units: number): number[] {
  const asked = requests.reduce((s, r) => s + r.amount, 0);
  const ratio = asked <= units ? 1 : units / asked;
  return requests.map((r) => r.amount * ratio);
}

/**
 * Proportional share (`proportional_share`): per resource type, when requests ask for more than
 * there is, every request gets the same fraction of what it asked (the proportional rule of
 * rationing). Grants are whole units.
 *
 * @example
 * await coordinateResources(requests, { tokens: 10_000 }, { strategy: 'proportional_share' });
 */
export function createProportionalShareAllocator(
  options: ProportionalShareOptions = {},
): ResourceAllocationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createProportionalShareAllocator',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  return {
    kind: 'resource-allocation',
    name: opts.name ?? 'proportional_share',
    specificationVersion: 'v1',
    description: 'Every request gets the same fraction of what it asked.',
    allocate(requests, available, context) {
      checkAllocation('proportional_share.allocate', requests, available, context);
      return allocatePerType(requests, available, proportional);
    },
  };
}
