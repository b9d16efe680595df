import type {
  ConflictResolutionStrategy,
  StrategyContext,
  VariableConflict,
  VariableResolution,
} from '@varplane/core';
import { z } from 'zod';
import { askAgent, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import { type Claim, claimsOf, foremost, overruled, resolution } from './internal/conflicts';
import { parseOrThrow } from './internal/parse';
import { checkConflictInput } from './internal/strategy-input';
import { sameValue } from './internal/values';

/** Options of {@link createLeaderElection}. */
export interface LeaderElectionOptions {
  /** The name it registers under (default `leader_election`). */
  name?: string;
  /**
   * How the leader is chosen: `precedence` (highest priority, then weight, then the smaller agent
   * id; the default) or `random` (a seeded draw weighted by the agents' weights).
   */
  election?: 'precedence' | 'random';
  /** How long a live leader has to choose, in ms (default 1,000). */
  askTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  election: z.enum(['precedence', 'random']).optional(),
  askTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Leader election (`leader_election`): each conflict elects a leader among its agents, and the
 * leader's choice stands. With live agents the leader is asked (`{ type: 'preference', constraints:
 * { allowed } }`, the requested values and the alternatives, with the others' requests as
 * `preferences`) and picks one; when it does not answer with an allowed value, and without live
 * agents, its own request stands. Compromise type `priority_override`.
 *
 * @example
 * const strategy = createLeaderElection({ election: 'random' });
 * await resolveConflicts(conflicts, strategy, { seed: 7 });
 */
export function createLeaderElection(
  options: LeaderElectionOptions = {},
): ConflictResolutionStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createLeaderElection',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const election = opts.election ?? 'precedence';
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;

  const elect = (claims: readonly Claim[], context: StrategyContext): Claim => {
    if (election === 'precedence') return foremost(claims);
    const weights = claims.map((c) => c.weight);
    return weights.some((w) => w > 0)
      ? context.random.pickWeighted(claims, weights)
      : context.random.pick(claims);
  };

  const settle = async (
    conflict: VariableConflict,
    context: StrategyContext,
  ): Promise<VariableResolution> => {
    const claims = claimsOf(conflict);
    const leader = elect(claims, context);
    let value = leader.value;
    if (context.agents !== undefined) {
      const allowed = [...conflict.requestedValues, ...(conflict.alternatives ?? [])];
      const outcome = await askAgent(
        context,
        leader.agent,
        {
          type: 'preference',
          variableId: conflict.variableId,
          constraints: { allowed },
          preferences: claims
            .filter((c) => c !== leader)
            .map((c) => ({ agent: c.agent, value: c.value, weight: c.weight })),
        },
        askTimeoutMs,
      );
      if (outcome.ok && allowed.some((a) => sameValue(a, outcome.answer))) value = outcome.answer;
    }
    return resolution(conflict, value, 'priority_override', overruled(claims, value));
  };

  return {
    kind: 'conflict-resolution',
    name: opts.name ?? 'leader_election',
    specificationVersion: 'v1',
    description: "Each conflict elects a leader, and the leader's choice stands.",
    async resolve(conflicts, context) {
      checkConflictInput('leader_election.resolve', conflicts, context);
      const out: VariableResolution[] = [];
      for (const conflict of conflicts) out.push(await settle(conflict, context));
      return out;
    },
  };
}
