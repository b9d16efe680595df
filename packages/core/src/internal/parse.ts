import type { z } from 'zod';
import { describeValue, formatIssues, InvalidArgumentError, type Issue } from '../errors';

type ErrorFactory = (options: { code: string; message: string; issues: Issue[] }) => Error;

const invalidArgument: ErrorFactory = (options) => new InvalidArgumentError(options);

/**
 * zod issues as varplane issues: dotted paths (rooted at `prefix`), with the offending input kept
 * when the parse ran with `reportInput: true`. Public, so every package words its errors alike.
 */
export function toIssues(error: z.ZodError, prefix = ''): Issue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    const out: Issue = { path, message: issue.message };
    if ('input' in issue) out.value = issue.input;
    return out;
  });
}

/**
 * Parses `input` with `schema` or throws a typed error whose message names every bad field and its
 * value. `subject` opens the message (`float "temperature"`), `prefix` roots the paths.
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  options: { code: string; subject: string; prefix?: string; error?: ErrorFactory },
): z.output<S> {
  let result: ReturnType<S['safeParse']>;
  try {
    result = schema.safeParse(input, { reportInput: true }) as ReturnType<S['safeParse']>;
  } catch (cause) {
    // A Proxy or a throwing getter in the input: refused like any other bad input.
    const make = options.error ?? invalidArgument;
    const error = make({
      code: options.code,
      message: `${options.subject}: the input could not be read (${readable(cause)})`,
      issues: [{ path: options.prefix ?? '', message: 'could not be read' }],
    });
    if (error.cause === undefined)
      Object.defineProperty(error, 'cause', { value: cause, configurable: true, writable: true });
    throw error;
  }
  if (result.success) return result.data as z.output<S>;
  const issues = toIssues(result.error, options.prefix);
  const make = options.error ?? invalidArgument;
  throw make({
    code: options.code,
    message: `${options.subject}: ${formatIssues(issues)}`,
    issues,
  });
}

function readable(cause: unknown): string {
  try {
    return cause instanceof Error ? cause.message : describeValue(cause);
  } catch {
    return 'an unreadable value';
  }
}
