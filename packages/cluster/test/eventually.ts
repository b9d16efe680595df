/**
 * Polls `attempt` until `accept` says yes, or rejects after `withinMs` naming the last answer.
 * For facts that become true over the network (a leader elected, mail delivered), never timing.
 */
export async function eventually<T>(
  attempt: () => T | Promise<T>,
  accept: (value: T) => boolean,
  withinMs: number,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (accept(value)) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`not within ${withinMs} ms; last: ${describe(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
