import { describeValue, formatIssues, InvalidArgumentError, type Issue } from '@varplane/core';
import type { z } from 'zod';

/** Picks the stable code for the first issue found; a plain string serves every issue. */
export type CodeFor = string | ((issue: Issue, segments: readonly PropertyKey[]) => string);

interface ParseOptions {
  /** Opens the message: `negotiateValue`. */
  subject: string;
  code: CodeFor;
  /** Roots every path: `preferences`. */
  prefix?: string;
}

function toIssues(error: z.ZodError, prefix: string): { issue: Issue; segments: PropertyKey[] }[] {
  return error.issues.map((zodIssue) => {
    const path = [prefix, ...zodIssue.path.map(String)].filter((part) => part !== '').join('.');
    const issue: Issue = { path, message: zodIssue.message };
    if ('input' in zodIssue) issue.value = zodIssue.input;
    return { issue, segments: zodIssue.path };
  });
}

/**
 * Parses `input` with `schema` or throws an `InvalidArgumentError` whose message names every bad
 * field path and its value, and whose code is picked for the first issue.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: ParseOptions,
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const found = toIssues(result.error, options.prefix ?? '');
  const first = found[0] as (typeof found)[number];
  const code =
    typeof options.code === 'string' ? options.code : options.code(first.issue, first.segments);
  const issues = found.map((f) => f.issue);
  throw new InvalidArgumentError({
    code,
    message: `${options.subject}: ${formatIssues(issues)}`,
    issues,
  });
}

/**
 * Validates a large input: `isValid` is a hand-written check that runs in the time of a loop, and
 * only when it fails does zod run to say what is wrong. The two must agree (a property test holds
 * them to it). Returns `input` itself, unchanged, so functions (utilities) and identity survive.
 */
export function checkOrThrow<T>(
  input: unknown,
  isValid: (input: unknown) => boolean,
  schema: z.ZodType,
  options: ParseOptions,
): T {
  if (!isValid(input)) parseOrThrow(schema, input, options);
  return input as T;
}

/** Throws one `InvalidArgumentError` for a problem a schema cannot see (sums, duplicates). */
export function invalid(
  subject: string,
  code: string,
  path: string,
  message: string,
  ...offending: [value?: unknown]
): never {
  const issue: Issue = { path, message };
  if (offending.length > 0) issue.value = offending[0];
  const got = offending.length > 0 ? ` (got ${describeValue(offending[0])})` : '';
  throw new InvalidArgumentError({
    code,
    message: `${subject}: ${path === '' ? '(input)' : path}: ${message}${got}`,
    issues: [issue],
  });
}
