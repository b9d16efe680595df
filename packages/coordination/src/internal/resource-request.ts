import { z } from 'zod';

/** The zod schema of a `ResourceRequest`: whole units, a priority >= 0, ms or `indefinite`. */
export const resourceRequestSchema = z.object({
  agent: z.string().min(1, 'must not be empty'),
  resourceType: z.string().min(1, 'must not be empty'),
  amount: z.number().int('must be a whole number of units').positive('must be above 0'),
  priority: z.number().nonnegative('must be >= 0'),
  duration: z.union([z.number().int().positive(), z.literal('indefinite')]),
});

/** The same rules as {@link resourceRequestSchema}, at the cost of a loop. */
export function isRequest(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  const { agent, resourceType, amount, priority, duration } = input as Record<string, unknown>;
  return (
    typeof agent === 'string' &&
    agent.length > 0 &&
    typeof resourceType === 'string' &&
    resourceType.length > 0 &&
    Number.isInteger(amount) &&
    (amount as number) > 0 &&
    typeof priority === 'number' &&
    Number.isFinite(priority) &&
    priority >= 0 &&
    (duration === 'indefinite' || (Number.isInteger(duration) && (duration as number) > 0))
  );
}

export const requestsSchema = z.array(resourceRequestSchema);
export function areRequests(input: unknown): boolean {
  try {
    return Array.isArray(input) && input.every(isRequest);
  } catch {
    // A getter that throws or a Proxy: zod words the refusal.
    return false;
  }
}

/** Units available per resource type. */
export const availableSchema = z.record(
  z.string().min(1),
  z.number().int('must be a whole number of units').nonnegative('must be >= 0'),
);
