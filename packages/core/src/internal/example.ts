import type { z } from 'zod';
import type { Issue } from '../errors';
import type { JsonValue } from '../variable';
import { INVALID, type Invalid, normalizeJson } from './json';
import { toIssues } from './parse';

/**
 * Checks one few-shot example: its schema (when there is one) and then that it is JSON, so it
 * round-trips. Returns a fresh copy, or `INVALID` after pushing issues rooted at `path`
 * (`demos[2].answer`).
 */
export function checkExample(
  item: unknown,
  schema: z.ZodType | undefined,
  path: string,
  issues: Issue[],
): JsonValue | Invalid {
  let value = item;
  if (schema !== undefined) {
    // Passing parse options costs zod its fast path (about 15x slower here), so the offending
    // inputs are only asked for once an example has failed.
    const result = schema.safeParse(item);
    if (!result.success) {
      const detailed = schema.safeParse(item, { reportInput: true });
      const error = detailed.success ? result.error : detailed.error;
      for (const issue of toIssues(error, path)) issues.push(issue);
      return INVALID;
    }
    value = result.data;
  }
  return normalizeJson(value, path, issues);
}
