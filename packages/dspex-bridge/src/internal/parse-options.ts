import { InvalidArgumentError, type Issue, VarplaneError } from '@varplane/core';
import { describeValue, formatIssues, toIssues } from '@varplane/core/internal';
import { z } from 'zod';

export { toIssues };

/**
 * Parses `input` with `schema` or throws an `InvalidArgumentError` whose message names every bad
 * field and its value. `subject` opens the message (`predict "qa"`), `prefix` roots the paths. An
 * input that cannot even be read (a Proxy, a throwing getter) is refused the same way.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
  code = 'INVALID_ARGUMENT',
  prefix = '',
): z.output<S> {
  const result = readWith(schema, input, prefix);
  if (result.ok) return result.data;
  if (result.issues !== undefined) {
    throw new InvalidArgumentError({
      code,
      message: `${subject}: ${summarizeIssues(result.issues)}`,
      issues: result.issues,
    });
  }
  throw new InvalidArgumentError({
    code,
    message: `${subject}: ${prefix === '' ? 'the input' : prefix} could not be read (${readable(result.cause)})`,
    issues: [{ path: prefix, message: 'could not be read' }],
    cause: result.cause,
  });
}

/** What {@link readWith} found: the parsed value, the issues, or why the input could not be read. */
export type ReadResult<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly issues: Issue[]; readonly cause?: undefined }
  | { readonly ok: false; readonly issues?: undefined; readonly cause: unknown };

/**
 * `safeParse` that never throws: a Proxy or a throwing getter can make zod throw while it parses
 * or while it words an issue (zod builds its error lazily), so both happen here, inside a `try`.
 */
export function readWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = '',
): ReadResult<z.output<S>> {
  try {
    const result = schema.safeParse(input, { reportInput: true });
    if (result.success) return { ok: true, data: result.data as z.output<S> };
    return { ok: false, issues: toIssues(result.error, prefix) };
  } catch (cause) {
    return { ok: false, cause };
  }
}

const SHOWN_ISSUES = 10;

/**
 * The issues as a message: the first ten, then how many more (a 100 000-element array of bad
 * values would otherwise make a message of megabytes). The error's `issues` keeps them all.
 */
export function summarizeIssues(issues: readonly Issue[]): string {
  if (issues.length <= SHOWN_ISSUES) return formatIssues(issues);
  return `${formatIssues(issues.slice(0, SHOWN_ISSUES))}; and ${issues.length - SHOWN_ISSUES} more`;
}

/** Throws an `InvalidArgumentError` for one bad field. */
export function invalidArgument(
  subject: string,
  path: string,
  message: string,
  value: unknown,
  code = 'INVALID_ARGUMENT',
): never {
  const issues: Issue[] = [{ path, message, value }];
  throw new InvalidArgumentError({ code, message: `${subject}: ${formatIssues(issues)}`, issues });
}

/** What a thrown value says, for a message; never throws itself. */
export function readable(cause: unknown): string {
  try {
    return cause instanceof Error ? `${cause.name}: ${cause.message}` : describeValue(cause);
  } catch {
    return 'an unreadable value';
  }
}

const partialConfigurationSchema = z.record(z.string(), z.unknown());

/** A `withConfig` argument: an object of variable values, copied so it is read once. */
export function checkPartialConfiguration(
  subject: string,
  partial: unknown,
): Record<string, unknown> {
  return parseOptions(
    partialConfigurationSchema,
    partial,
    subject,
    'INVALID_ARGUMENT',
    'configuration',
  );
}

/** `VarplaneError.isInstance` for anything a callback may throw, a Proxy included. */
export function isVarplaneError(error: unknown): error is VarplaneError {
  try {
    return VarplaneError.isInstance(error);
  } catch {
    return false;
  }
}

/**
 * A list checked element by element, stopping at the first bad one: zod words an issue for every
 * bad element, which for a list of 100 000 takes seconds. The error names the element's index.
 */
export function parseList<S extends z.ZodType>(
  element: S,
  input: unknown,
  subject: string,
  code: string,
  path: string,
): z.output<S>[] {
  let length: number;
  try {
    if (!Array.isArray(input)) return parseOptions(z.array(element), input, subject, code, path);
    length = input.length;
  } catch (cause) {
    return invalidArgument(
      subject,
      path,
      `could not be read (${readable(cause)})`,
      undefined,
      code,
    );
  }
  const out: z.output<S>[] = new Array(length);
  for (let i = 0; i < length; i++) {
    let item: unknown;
    try {
      item = (input as unknown[])[i];
    } catch (cause) {
      invalidArgument(
        subject,
        `${path}.${i}`,
        `could not be read (${readable(cause)})`,
        undefined,
        code,
      );
    }
    out[i] = parseOptions(element, item, subject, code, `${path}.${i}`);
  }
  return out;
}
