import type {
  ConsensusResult,
  ConsensusStrategy,
  ErrorInfo,
  StrategyContext,
  Vote,
  Voter,
} from '@varplane/core';
import { describeValue, idRecord, toErrorInfo } from '@varplane/core/internal';
import { z } from 'zod';
import { askAgents, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import {
  type OperationOptions,
  operationOptionsShape,
  runOptions,
} from './internal/operation-options';
import { invalid, parseOrThrow } from './internal/parse';
import { resolveStrategy } from './internal/resolve-strategy';
import { checkResult, invalidResult, runStrategy } from './internal/run-strategy';
import { sameValue } from './internal/values';
import { readVote, voteSchema } from './internal/vote';
import { quorumSchema } from './simple-majority';

/** Options of {@link establishConsensus}. */
export interface EstablishConsensusOptions extends OperationOptions {
  /** A registered consensus strategy's name, or the strategy itself (default `simple_majority`). */
  algorithm?: string | ConsensusStrategy;
  /** Share of the total weight that must take part, in (0, 1] (default: the algorithm's own). */
  quorum?: number;
  /** Votes already cast. Voters without one are asked through `agents`, or counted absent. */
  votes?: readonly Vote[];
  /** How long each live voter has to answer, in ms (default 1,000). */
  voteTimeoutMs?: number;
  /** Names the proposal in questions and errors (default: drawn from the random source). */
  proposalId?: string;
}

/**
 * What asking one live voter came to, as a typed event: its vote was cast, its answer was
 * malformed (and it counts absent), or it gave none in time (or failed) and counts absent.
 */
export type BallotEvent =
  | { readonly type: 'vote-cast'; readonly agent: string; readonly approve: boolean }
  | {
      readonly type: 'vote-malformed';
      readonly agent: string;
      /** The answer as given. */
      readonly answer: unknown;
      /** Why it is not a vote. */
      readonly message: string;
    }
  | {
      readonly type: 'vote-missed';
      readonly agent: string;
      readonly reason: 'timeout' | 'error' | 'aborted' | 'unavailable';
      readonly error?: ErrorInfo;
    };

/** What the voters agreed on, of proposed changes `P`. */
export interface ConsensusOutcome<
  P extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
> extends Omit<ConsensusResult, 'accepted' | 'rejected'> {
  /** The accepted changes, each with the value proposed. */
  accepted: Partial<P>;
  /** The keys of the changes not accepted. */
  rejected: readonly (keyof P & string)[];
  proposalId: string;
  /** The algorithm's name. */
  algorithm: string;
  /** Every vote counted, given or asked for. */
  votes: readonly Vote[];
  /** One event per live voter asked, in the voters' order (none when nobody was asked). */
  ballots: readonly BallotEvent[];
}

const SUBJECT = 'establishConsensus';

const votersSchema = z.array(z.unknown()).min(1, 'must not be empty');
const proposalSchema = z.record(z.string(), z.unknown());

const voterSchema = z.object({
  id: z.string().min(1, 'must not be empty'),
  weight: z.number().nonnegative('must be >= 0'),
});

const optionsSchema = z.strictObject({
  ...operationOptionsShape,
  algorithm: z
    .union([
      z.string().min(1),
      z.custom<ConsensusStrategy>((s) => typeof s === 'object' && s !== null, 'must be a strategy'),
    ])
    .optional(),
  quorum: quorumSchema.optional(),
  votes: z.array(voteSchema).optional(),
  voteTimeoutMs: z.number().int().positive().optional(),
  proposalId: z.string().min(1).optional(),
});

const resultSchema = z.object({
  accepted: idRecord(z.unknown()),
  rejected: z.array(z.string()),
  tally: z.object({
    for: z.number().nonnegative(),
    against: z.number().nonnegative(),
    absent: z.number().nonnegative(),
    total: z.number().nonnegative(),
  }),
  absent: z.array(z.string()),
  index: z.number().int().nonnegative().optional(),
});

/**
 * Puts proposed changes to a vote and returns the accepted ones with the tally. Voters are agent
 * ids (weight 1) or `{ id, weight }`. Votes come from `options.votes`, and voters without one are
 * asked through `options.agents` (`{ type: 'vote', proposalId, changes }`). A live voter answers
 * `true` / `false`, or `{ approve: boolean, changes?: { [proposedKey]: boolean } }` to approve or
 * reject single changes. Each one asked is reported in `ballots`: `vote-cast`, `vote-malformed`
 * (an answer such as `"yes"`; it counts absent) or `vote-missed` (no answer within
 * `voteTimeoutMs`, or a failure; it counts absent). Absent voters are named in the result. The algorithm is any registered
 * consensus strategy: `simple_majority`, `weighted`, `unanimous`, `quorum`, or a plugin (`raft`).
 *
 * Errors: `CONSENSUS_NO_VOTERS`, `CONSENSUS_INVALID_WEIGHT`, `CONSENSUS_ZERO_WEIGHT`,
 * `CONSENSUS_DUPLICATE_VOTER`, `CONSENSUS_UNKNOWN_VOTER`, `CONSENSUS_EMPTY_PROPOSAL`,
 * `CONSENSUS_NO_QUORUM`, `STRATEGY_NOT_FOUND`, `INVALID_ARGUMENT`.
 *
 * @example
 * const { accepted, tally, absent } = await establishConsensus(
 *   ['coder', 'reviewer', 'tester'],
 *   { topology: 'star', maxAgents: 5 },
 *   { algorithm: 'simple_majority', agents: running.agents, voteTimeoutMs: 500 },
 * );
 */
export async function establishConsensus<
  P extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
>(
  agents: readonly (string | Voter)[],
  proposedChanges: P,
  options: EstablishConsensusOptions = {},
): Promise<ConsensusOutcome<P>> {
  parseOrThrow(votersSchema, agents, {
    subject: SUBJECT,
    prefix: 'agents',
    code: (_issue, segments) =>
      segments.length === 0 ? 'CONSENSUS_NO_VOTERS' : 'INVALID_ARGUMENT',
  });
  agents.forEach((agent, i) => {
    if (typeof agent === 'string') {
      if (agent === '')
        invalid(SUBJECT, 'INVALID_ARGUMENT', `agents.${i}`, 'must not be empty', agent);
      return;
    }
    parseOrThrow(voterSchema, agent, {
      subject: SUBJECT,
      prefix: `agents.${i}`,
      code: (_issue, segments) =>
        segments[0] === 'weight' ? 'CONSENSUS_INVALID_WEIGHT' : 'INVALID_ARGUMENT',
    });
  });
  parseOrThrow(proposalSchema, proposedChanges, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'proposedChanges',
  });
  if (Object.keys(proposedChanges).length === 0) {
    invalid(
      SUBJECT,
      'CONSENSUS_EMPTY_PROPOSAL',
      'proposedChanges',
      'must propose at least one change',
      proposedChanges,
    );
  }
  const opts = parseOrThrow(optionsSchema, options, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  }) as EstablishConsensusOptions;

  const voters: Voter[] = agents.map((a) =>
    typeof a === 'string' ? { id: a, weight: 1 } : { id: a.id, weight: a.weight },
  );
  const ids = new Set<string>();
  let total = 0;
  voters.forEach((voter, i) => {
    if (ids.has(voter.id))
      invalid(SUBJECT, 'CONSENSUS_DUPLICATE_VOTER', `agents.${i}`, 'appears twice', voter.id);
    ids.add(voter.id);
    total += voter.weight;
  });
  if (!(total > 0))
    invalid(SUBJECT, 'CONSENSUS_ZERO_WEIGHT', 'agents', 'weights must sum above 0', total);

  const votes = new Map<string, Vote>();
  (opts.votes ?? []).forEach((vote, i) => {
    if (!ids.has(vote.agent)) {
      invalid(
        SUBJECT,
        'CONSENSUS_UNKNOWN_VOTER',
        `options.votes.${i}.agent`,
        'is not among the voters',
        vote.agent,
      );
    }
    if (votes.has(vote.agent)) {
      invalid(
        SUBJECT,
        'CONSENSUS_DUPLICATE_VOTER',
        `options.votes.${i}.agent`,
        'voted twice',
        vote.agent,
      );
    }
    votes.set(vote.agent, vote);
  });

  const strategy = resolveStrategy('consensus', opts.algorithm ?? 'simple_majority', opts.registry);
  const run = runOptions(opts);
  const proposalId = opts.proposalId ?? `proposal-${run.random.int(0, 0xffffffff).toString(16)}`;

  const silent = voters.filter((v) => !votes.has(v.id)).map((v) => v.id);
  const ballots: BallotEvent[] = [];
  if (opts.agents !== undefined && silent.length > 0) {
    const context: StrategyContext = {
      random: run.random,
      clock: run.clock,
      signal: opts.signal ?? new AbortController().signal,
      agents: opts.agents,
    };
    const outcomes = await askAgents(
      context,
      silent,
      () => ({ type: 'vote', proposalId, changes: proposedChanges }),
      opts.voteTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS,
    );
    silent.forEach((agent, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) return;
      if (!outcome.ok) {
        ballots.push({
          type: 'vote-missed',
          agent,
          reason: outcome.reason,
          ...(outcome.error === undefined ? {} : { error: toErrorInfo(outcome.error) }),
        });
        return;
      }
      const read = readVote(agent, outcome.answer, proposedChanges);
      if ('error' in read) {
        ballots.push({
          type: 'vote-malformed',
          agent,
          answer: outcome.answer,
          message: read.error,
        });
        return;
      }
      votes.set(agent, read.vote);
      ballots.push({ type: 'vote-cast', agent, approve: read.vote.approve });
    });
  }
  const cast = voters.flatMap((v) => votes.get(v.id) ?? []);
  const request = {
    proposalId,
    voters,
    proposedChanges,
    votes: cast,
    absent: voters.filter((v) => !votes.has(v.id)).map((v) => v.id),
    ...(opts.quorum === undefined ? {} : { quorum: opts.quorum }),
  };
  const raw = await runStrategy(strategy, (context) => strategy.decide(request, context), run);
  const result = checkResult(strategy, resultSchema, raw);
  for (const [key, value] of Object.entries(result.accepted)) {
    if (!Object.hasOwn(proposedChanges, key) || !sameValue(value, proposedChanges[key])) {
      throw invalidResult(strategy, `accepted.${key} ${describeValue(value)} was not proposed`);
    }
  }
  for (const key of result.rejected) {
    if (!Object.hasOwn(proposedChanges, key) || Object.hasOwn(result.accepted, key)) {
      throw invalidResult(
        strategy,
        `rejected ${describeValue(key)} was not proposed, or was also accepted`,
      );
    }
  }
  return {
    proposalId,
    algorithm: strategy.name,
    // Checked above: every accepted value is the one proposed, every rejected key was proposed.
    accepted: result.accepted as Partial<P>,
    rejected: result.rejected as (keyof P & string)[],
    tally: result.tally,
    absent: result.absent,
    votes: cast,
    ballots,
    ...(result.index === undefined ? {} : { index: result.index }),
  };
}
