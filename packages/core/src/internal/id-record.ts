import { z } from 'zod';

/**
 * A record keyed by user ids (agents, models, resources, metrics...). zod's `z.record` builds its
 * output by assignment, so an own `__proto__` key is silently dropped: an option set for an agent
 * named `__proto__` would vanish. This schema reads every own enumerable string key, checks its
 * value with `value` (issues keep their path, under the key) and outputs a null-prototype record,
 * so `__proto__`, `constructor` and `toString` are ordinary ids. Readers still look ids up with
 * `Object.hasOwn` (or a Map): a `.default({})` hands back a plain `{}` untouched.
 *
 * `key` checks each key (non-empty, say); its issues are reported at the key.
 *
 * @example
 * const prices = idRecord(z.number().nonnegative(), { key: z.string().min(1) });
 */
export function idRecord<V extends z.ZodType>(
  value: V,
  options: { key?: z.ZodType<string> } = {},
): z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>> {
  const key = options.key;
  const schema = z.unknown().transform((input, ctx) => {
    if (!isRecordLike(input)) {
      ctx.issues.push({ code: 'invalid_type', expected: 'record', input });
      return z.NEVER;
    }
    const out: Record<string, z.output<V>> = Object.create(null);
    for (const name of Object.keys(input)) {
      if (key !== undefined) {
        const checked = key.safeParse(name, { reportInput: true });
        if (!checked.success) {
          for (const issue of checked.error.issues) ctx.issues.push(under(name, issue));
          continue;
        }
      }
      // The enclosing parse drops `input` again unless it was asked to report it.
      const parsed = value.safeParse(input[name], { reportInput: true });
      if (parsed.success) {
        Object.defineProperty(out, name, {
          value: parsed.data,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        for (const issue of parsed.error.issues) ctx.issues.push(under(name, issue));
      }
    }
    return out;
  });
  return schema as unknown as z.ZodType<Record<string, z.output<V>>, Record<string, z.input<V>>>;
}

/** A finished issue of a key or its value, re-rooted at the key (its message is kept). */
function under(name: string, issue: z.core.$ZodIssue): z.core.$ZodRawIssue {
  return { ...issue, path: [name, ...issue.path] } as z.core.$ZodRawIssue;
}

/** What `z.record` accepts: an object whose prototype is a root (any realm's, or none). */
function isRecordLike(input: unknown): input is Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false;
  const proto: unknown = Object.getPrototypeOf(input);
  return proto === null || Object.getPrototypeOf(proto) === null;
}
