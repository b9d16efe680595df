import type { z } from 'zod';
import { formatIssues, InvalidArgumentError, type Issue } from '../errors';

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
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = toIssues(result.error, options.prefix);
  const make = options.error ?? invalidArgument;
  throw make({
    code: options.code,
    message: `${options.subject}: ${formatIssues(issues)}`,
    issues,
  });
}
