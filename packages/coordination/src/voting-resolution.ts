import type {
  ConflictResolutionStrategy,
  StrategyContext,
  VariableConflict,
  VariableResolution,
} from '@varplane/core';
import { z } from 'zod';
import { askAgents, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import { type Claim, claimsOf, overruled, resolution } from './internal/conflicts';
import { parseOrThrow } from './internal/parse';
import { checkConflictInput } from './internal/strategy-input';
import { sameValue, valueKey } from './internal/values';
import { readVote } from './internal/vote';

/** Options of {@link createVotingResolution}. */
export interface VotingResolutionOptions {
  /** The name it registers under (default `voting`). */
  name?: string;
  /** How long a live agent has to vote on one candidate, in ms (default 1,000). */
  askTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  askTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Resolution by vote (`voting`): an approval vote among the conflicting agents over the requested
 * values, each ballot counting the agent's weight; the value with the most approval wins (equal
 * approval: the value requested by the higher-priority agent). Without live agents each agent
 * approves its own request, which makes it a weighted plurality; with live agents each is asked
 * about every candidate (`{ type: 'vote', changes: { [variableId]: candidate } }`) and one that does
 * not answer approves its own. Compromise type `priority_override` (the vote decides who overrides).
 *
 * @example
 * await resolveConflicts(conflicts, 'voting', { agents: running.agents });
 */
export function createVotingResolution(
  options: VotingResolutionOptions = {},
): ConflictResolutionStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createVotingResolution',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
  return {
    kind: 'conflict-resolution',
    name: opts.name ?? 'voting',
    specificationVersion: 'v1',
    description: 'An approval vote of the conflicting agents over the requested values.',
    async resolve(conflicts, context) {
      checkConflictInput('voting.resolve', conflicts, context);
      const out: VariableResolution[] = [];
      for (const conflict of conflicts) out.push(await settle(conflict, context, askTimeoutMs));
      return out;
    },
  };
}

async function settle(
  conflict: VariableConflict,
  context: StrategyContext,
  askTimeoutMs: number,
): Promise<VariableResolution> {
  const claims = claimsOf(conflict);
  // Candidates in order of the precedence of the first agent to request each.
  const candidates: Claim[] = [];
  for (const claim of [...claims].sort((a, b) => b.priority - a.priority || a.index - b.index)) {
    if (!candidates.some((c) => sameValue(c.value, claim.value))) candidates.push(claim);
  }
  const approval = new Map<string, number>(candidates.map((c) => [valueKey(c.value), 0]));
  const approve = (value: unknown, weight: number) => {
    const key = valueKey(value);
    approval.set(key, (approval.get(key) ?? 0) + weight);
  };
  if (context.agents === undefined) {
    for (const claim of claims) approve(claim.value, claim.weight);
  } else {
    const ballots = await Promise.all(
      candidates.map((candidate, k) =>
        askAgents(
          context,
          claims.map((c) => c.agent),
          () => ({
            type: 'vote',
            proposalId: `${conflict.variableId}#${k}`,
            changes: { [conflict.variableId]: candidate.value },
          }),
          askTimeoutMs,
        ),
      ),
    );
    claims.forEach((claim, i) => {
      const answers = ballots.map((outcomes) => {
        const outcome = outcomes[i];
        if (!outcome?.ok) return undefined;
        const read = readVote(claim.agent, outcome.answer);
        return 'vote' in read ? read.vote.approve : undefined;
      });
      if (answers.every((a) => a === undefined)) approve(claim.value, claim.weight);
      answers.forEach((yes, k) => {
        if (yes === true) approve((candidates[k] as Claim).value, claim.weight);
      });
    });
  }
  let winner = candidates[0] as Claim;
  for (const candidate of candidates) {
    if (
      (approval.get(valueKey(candidate.value)) ?? 0) > (approval.get(valueKey(winner.value)) ?? 0)
    ) {
      winner = candidate;
    }
  }
  return resolution(conflict, winner.value, 'priority_override', overruled(claims, winner.value));
}
