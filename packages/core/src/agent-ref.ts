import { z } from 'zod';
import { describeValue, InvalidArgumentError } from './errors';
import { guardInput } from './internal/guard';
import { parseOrThrow } from './internal/parse';

/** The node name of agents in this process, until `@varplane/cluster` places them elsewhere. */
export const LOCAL_NODE = 'local';

const namePattern = /^[A-Za-z0-9_.:-]+$/;

export const agentIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(namePattern, 'may hold only letters, digits and _ . : -');

export const agentRefSchema = z.object({ id: agentIdSchema, node: agentIdSchema });

/**
 * A location-transparent address of an agent: the same ref works whether the agent runs in this
 * process or on another node of a cluster. Its string form is `id@node`.
 */
export interface AgentRef {
  readonly id: string;
  readonly node: string;
}

/** Builds a ref, validating both parts. */
export function agentRef(id: string, node: string = LOCAL_NODE): AgentRef {
  return parseOrThrow(
    agentRefSchema,
    { id, node },
    { code: 'INVALID_ARGUMENT', subject: 'agentRef' },
  );
}

/** `coder@local`. */
export function formatAgentRef(ref: AgentRef): string {
  const { id, node } = readRef('formatAgentRef', 'ref', ref);
  return `${id}@${node}`;
}

/** Reads `coder@node-2` (or a bare `coder`, which is local) back into a ref. */
export function parseAgentRef(text: string): AgentRef {
  if (typeof text !== 'string') {
    throw new InvalidArgumentError({
      code: 'INVALID_ARGUMENT',
      message: `parseAgentRef: text must be a string like "coder@local" (got ${describeValue(text)})`,
      issues: [{ path: 'text', message: 'must be a string', value: text }],
    });
  }
  const at = text.lastIndexOf('@');
  return at < 0 ? agentRef(text) : agentRef(text.slice(0, at), text.slice(at + 1));
}

/** True when both refs name the same agent on the same node. */
export function isSameAgent(a: AgentRef, b: AgentRef): boolean {
  const first = readRef('isSameAgent', 'a', a);
  const second = readRef('isSameAgent', 'b', b);
  return first.id === second.id && first.node === second.node;
}

// Refs are compared and formatted on hot paths: a plain check first, zod only to word a refusal.
function readRef(subject: string, path: string, ref: unknown): AgentRef {
  const read = guardInput(subject, path, ref, () => {
    if (typeof ref !== 'object' || ref === null) return undefined;
    const { id, node } = ref as Partial<AgentRef>;
    return typeof id === 'string' && typeof node === 'string' ? { id, node } : undefined;
  });
  return (
    read ?? parseOrThrow(agentRefSchema, ref, { code: 'INVALID_ARGUMENT', subject, prefix: path })
  );
}
