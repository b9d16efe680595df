import { type AgentRef, InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { LocalRef } from './local-ref';

function notATarget(to: unknown, path: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${path}: expected an agent ref or id (got ${describeValue(to)})`,
    issues: [{ path, message: 'expected an agent ref or id', value: to }],
    cause,
  });
}

/**
 * `to` as the kernel takes it: an id, a ref a kernel made (as is, for its fast path), or a plain
 * `{ id, node }` copy of any other ref, read once, so a getter or Proxy in it can neither throw
 * inside the kernel nor answer differently on a second read. Throws `INVALID_ARGUMENT` otherwise.
 */
export function toTarget(to: unknown, path = 'to'): AgentRef | string {
  if (typeof to === 'string') return to;
  if (typeof to !== 'object' || to === null) throw notATarget(to, path);
  let id: unknown;
  let node: unknown;
  try {
    // Inside the try: `instanceof` asks a Proxy for its prototype.
    if (to instanceof LocalRef) return to;
    ({ id, node } = to as AgentRef);
  } catch (cause) {
    throw notATarget(to, path, cause);
  }
  // A ref without a node has always been taken for a ref to another node; only its type is checked.
  if (typeof id !== 'string' || (node !== undefined && typeof node !== 'string'))
    throw notATarget(to, path);
  return { id, node: node as string };
}
