import { z } from 'zod';
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
  return `${ref.id}@${ref.node}`;
}

/** Reads `coder@node-2` (or a bare `coder`, which is local) back into a ref. */
export function parseAgentRef(text: string): AgentRef {
  const at = text.lastIndexOf('@');
  return at < 0 ? agentRef(text) : agentRef(text.slice(0, at), text.slice(at + 1));
}

export function isSameAgent(a: AgentRef, b: AgentRef): boolean {
  return a.id === b.id && a.node === b.node;
}
