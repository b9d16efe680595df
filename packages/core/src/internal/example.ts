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
    const result = schema.safeParse(item, { reportInput: true });
    if (!result.success) {
      for (const issue of toIssues(result.error, path)) issues.push(issue);
      return INVALID;
    }
    value = result.data;
  }
  return normalizeJson(value, path, issues);
}
