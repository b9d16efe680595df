import type { CompromiseType, VariableConflict, VariableResolution } from '@varplane/core';
import { byAgentId, sameValue } from './values';

/** One conflicting agent with what it asked for. */
export interface Claim {
  agent: string;
  value: unknown;
  priority: number;
  weight: number;
  /** Position in the conflict, the last tie-break. */
  index: number;
}

/** The conflict as one claim per agent (priorities default to 0, weights to 1). */
export function claimsOf(conflict: VariableConflict): Claim[] {
  return conflict.conflictingAgents.map((agent, index) => ({
    agent,
    value: conflict.requestedValues[index],
    priority: conflict.priorities?.[index] ?? 0,
    weight: conflict.weights?.[index] ?? 1,
    index,
  }));
}

/** Higher priority first, then higher weight, then the smaller agent id. */
export function byPrecedence(a: Claim, b: Claim): number {
  return b.priority - a.priority || b.weight - a.weight || byAgentId(a.agent, b.agent);
}

/** The claim that takes precedence. */
export function foremost(claims: readonly Claim[]): Claim {
  let best = claims[0] as Claim;
  for (const claim of claims) if (byPrecedence(claim, best) < 0) best = claim;
  return best;
}

/** The agents that did not get what they asked for. */
export function overruled(claims: readonly Claim[], value: unknown): string[] {
  return claims.filter((c) => !sameValue(c.value, value)).map((c) => c.agent);
}

export function resolution(
  conflict: VariableConflict,
  resolvedValue: unknown,
  compromiseType: CompromiseType,
  affectedAgents: readonly string[],
): VariableResolution {
  return { variableId: conflict.variableId, resolvedValue, compromiseType, affectedAgents };
}
