import { z } from 'zod';

const finite = (v: unknown) => typeof v !== 'number' || Number.isFinite(v);

/** The zod schema of a {@link Preference}; extra fields are allowed and left alone. */
export const preferenceSchema = z.object({
  agent: z.string().min(1, 'must not be empty'),
  value: z
    .unknown()
    .refine((v) => v !== undefined, 'is required')
    .refine(finite, 'must be a finite number'),
  weight: z.number().nonnegative('must be >= 0'),
  budget: z.number().nonnegative('must be >= 0').optional(),
  side: z.enum(['buy', 'sell']).optional(),
  utility: z
    .custom<(value: unknown) => number>((f) => typeof f === 'function', 'must be a function')
    .optional(),
});

/** The same rules as {@link preferenceSchema}, at the cost of a loop. */
export function isPreference(input: unknown): boolean {
  if (typeof input !== 'object' || input === null) return false;
  try {
    return checkFields(input as Record<string, unknown>);
  } catch {
    // A getter that throws or a Proxy: not a preference.
    return false;
  }
}

function checkFields(p: Record<string, unknown>): boolean {
  const { agent, value, weight, budget, side, utility } = p;
  return (
    typeof agent === 'string' &&
    agent.length > 0 &&
    value !== undefined &&
    (typeof value !== 'number' || Number.isFinite(value)) &&
    typeof weight === 'number' &&
    Number.isFinite(weight) &&
    weight >= 0 &&
    (budget === undefined ||
      (typeof budget === 'number' && Number.isFinite(budget) && budget >= 0)) &&
    (side === undefined || side === 'buy' || side === 'sell') &&
    (utility === undefined || typeof utility === 'function')
  );
}

/** A non-empty array of preferences, checked in a loop (zod runs only to word a refusal). */
export function arePreferences(input: unknown): boolean {
  if (!Array.isArray(input) || input.length === 0) return false;
  try {
    for (const p of input) if (!isPreference(p)) return false;
  } catch {
    return false;
  }
  return true;
}

export const preferencesSchema = z.array(preferenceSchema).min(1, 'must not be empty');
