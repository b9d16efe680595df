/**
 * Removes secrets from text that may reach an error: the adapter's API key wherever it appears
 * (servers echo headers back in error bodies) and any `Bearer ...` credential.
 */
export function createRedactor(apiKey: string | undefined): (text: string) => string {
  return (text) => {
    let out = text;
    if (apiKey !== undefined && apiKey.length > 0) out = out.split(apiKey).join('[redacted]');
    return out.replace(/Bearer\s+[^\s"',;}\]]+/gi, 'Bearer [redacted]');
  };
}

/**
 * A cause safe to attach: an Error keeps its name, code and (redacted) message and loses the rest,
 * since undici errors and server bodies can hold request headers.
 */
export function redactCause(cause: unknown, redact: (text: string) => string): unknown {
  if (cause === undefined || cause === null) return cause;
  if (cause instanceof Error) {
    const copy = new Error(redact(cause.message));
    copy.name = cause.name;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') Object.assign(copy, { code });
    const inner = (cause as { cause?: unknown }).cause;
    if (inner !== undefined) Object.assign(copy, { cause: redactCause(inner, redact) });
    return copy;
  }
  if (typeof cause === 'string') return redact(cause);
  if (typeof cause === 'object') {
    try {
      return redact(JSON.stringify(cause));
    } catch {
      return Object.prototype.toString.call(cause);
    }
  }
  return cause;
}
