import type { z } from 'zod';
import { formatIssues, InvalidArgumentError, type Issue } from '../errors';
import { reasonOf } from './guard';

/** Makes the error `parseOrThrow` throws; a package passes its own family (`ClusterError`...). */
export type ErrorFactory = (options: { code: string; message: string; issues: Issue[] }) => Error;

/**
 * The stable code of a refusal: one code for every issue, or one picked for the first issue found
 * (`segments` is its raw path, so a caller can pick by the field that is wrong).
 */
export type CodeFor = string | ((issue: Issue, segments: readonly PropertyKey[]) => string);

export interface ParseOptions {
  code: CodeFor;
  /** Opens the message: `float "temperature"`, `negotiateValue`. */
  subject: string;
  /** Roots every path: `options`, `preferences`. */
  prefix?: string;
  /** Makes the error; an `InvalidArgumentError` when left out. */
  error?: ErrorFactory;
}

const invalidArgument: ErrorFactory = (options) => new InvalidArgumentError(options);

/**
 * zod issues as varplane issues: dotted paths (rooted at `prefix`), with the offending input kept
 * when the parse ran with `reportInput: true`.
 */
export function toIssues(error: z.ZodError, prefix = ''): Issue[] {
  try {
    return error.issues.map((issue) => toIssue(issue, prefix));
  } catch (cause) {
    // zod words issues lazily, reading the input again: a Proxy's trap may throw then.
    return [{ path: prefix, message: `could not be read (${reasonOf(cause)})` }];
  }
}

function toIssue(issue: z.core.$ZodIssue, prefix: string): Issue {
  const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
  const out: Issue = { path, message: issue.message };
  if ('input' in issue) out.value = issue.input;
  return out;
}

/**
 * Parses `input` with `schema` or throws a typed error whose message names every bad field and its
 * value: `negotiateValue: preferences.0.weight: Invalid input: expected number (got "x")`. An input
 * that cannot even be read (a throwing getter, a Proxy whose traps throw, a cyclic value a
 * transform walks) is refused the same way, never with the error the read threw.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: ParseOptions,
): z.output<S> {
  const make = options.error ?? invalidArgument;
  const prefix = options.prefix ?? '';
  let result: ReturnType<S['safeParse']>;
  let found: readonly z.core.$ZodIssue[] = [];
  try {
    result = schema.safeParse(input, { reportInput: true }) as ReturnType<S['safeParse']>;
    // zod words its issues lazily, and wording one reads the input again (its prototype, say).
    if (!result.success) found = result.error.issues;
  } catch (cause) {
    const issue: Issue = { path: prefix, message: 'could not be read' };
    const error = make({
      code: codeOf(options.code, issue, []),
      message: `${options.subject}: ${prefix === '' ? 'the input' : prefix} could not be read (${reasonOf(cause)})`,
      issues: [issue],
    });
    if (error.cause === undefined)
      Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
    throw error;
  }
  if (result.success) return result.data as z.output<S>;
  const issues = found.map((issue) => toIssue(issue, prefix));
  const first = issues[0] ?? { path: prefix, message: 'is invalid' };
  throw make({
    code: codeOf(options.code, first, found[0]?.path ?? []),
    message: `${options.subject}: ${formatIssues(issues)}`,
    issues,
  });
}

function codeOf(code: CodeFor, issue: Issue, segments: readonly PropertyKey[]): string {
  return typeof code === 'string' ? code : code(issue, segments);
}
