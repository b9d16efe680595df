import type { z } from 'zod';
import { ClusterError } from '../errors';

const show = (value: unknown) => {
  try {
    const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return '(unprintable)';
  }
};

/** Parses `input` or throws `CLUSTER_INVALID_ARGUMENT` naming each bad field and its value. */
export function parseArgument<S extends z.ZodType>(
  schema: S,
  input: unknown,
  subject: string,
): z.output<S> {
  let result: ReturnType<S['safeParse']>;
  try {
    result = schema.safeParse(input, { reportInput: true }) as ReturnType<S['safeParse']>;
  } catch (cause) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `${subject}: unreadable input`,
      cause,
    });
  }
  if (result.success) return result.data as z.output<S>;
  const details = result.error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(input)';
      return 'input' in issue
        ? `${path}: ${issue.message} (got ${show(issue.input)})`
        : `${path}: ${issue.message}`;
    })
    .join('; ');
  throw new ClusterError({ code: 'CLUSTER_INVALID_ARGUMENT', message: `${subject}: ${details}` });
}
