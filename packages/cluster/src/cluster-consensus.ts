import { createRaftConsensus } from '@varplane/consensus-raft';
import {
  type ConsensusOutcome,
  createSimpleMajority,
  establishConsensus,
} from '@varplane/coordination';
import { type AgentPort, createStrategyRegistry } from '@varplane/core';
import { parseOrThrow } from '@varplane/core/internal';
import { z } from 'zod';
import type { ClusterNode } from './cluster-node';
import { ClusterError } from './errors';

/** Options of {@link clusterConsensus}. */
export interface ClusterConsensusOptions {
  /** The node whose Raft log records the accepted changes. Default: the first of `nodes`. */
  readonly via?: string;
  /**
   * How each node votes: `true` / `false`, or `{ approve, changes }` as `establishConsensus`
   * reads it. Default: every running node approves. A node that is stopped, or whose vote throws
   * or misses `voteTimeoutMs`, counts absent.
   */
  readonly vote?: (node: string, proposal: Readonly<Record<string, unknown>>) => unknown;
  /** How long each node has to vote, in ms. Default 1,000. */
  readonly voteTimeoutMs?: number;
  /** Share of the nodes that must vote, in (0, 1]. Default: simple majority's own. */
  readonly quorum?: number;
  /** How long the whole decision may take, commit included, in ms. Default 5,000. */
  readonly timeoutMs?: number;
}

const failure = (options: { code: string; message: string }) =>
  new ClusterError({ code: 'CLUSTER_INVALID_ARGUMENT', message: options.message });

const nodesSchema = z
  .array(
    z.custom<ClusterNode>(
      (v) =>
        typeof v === 'object' &&
        v !== null &&
        typeof (v as ClusterNode).node === 'string' &&
        typeof (v as ClusterNode).connection === 'object',
      'expected a ClusterNode (from startClusterNode)',
    ),
  )
  .min(1, 'needs at least one node');
const optionsSchema = z
  .object({
    via: z.string().min(1).optional(),
    vote: z
      .custom<NonNullable<ClusterConsensusOptions['vote']>>(
        (v) => typeof v === 'function',
        'must be a function',
      )
      .optional(),
    voteTimeoutMs: z.number().int().min(1).max(600_000).optional(),
    quorum: z.number().gt(0).max(1).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict()
  .optional();

/**
 * Puts `proposal` to the cluster's nodes and records what they accept in the Raft log of `via`:
 * `establishConsensus` with the `raft` strategy, the nodes as voters. Resolves once a majority of
 * the voters' logs holds the decision (`index` is its place); with only a minority alive it rejects
 * with a typed error within `timeoutMs` (`CONSENSUS_NO_QUORUM` when too few vote, the operation's
 * timeout when too few can commit).
 *
 * @example
 * const { accepted, index } = await clusterConsensus([n1, n2, n3], { topology: 'star' });
 */
export async function clusterConsensus<
  P extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
>(
  nodes: readonly ClusterNode[],
  proposal: P,
  options?: ClusterConsensusOptions,
): Promise<ConsensusOutcome<P>> {
  const members = parseOrThrow(nodesSchema, nodes, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'clusterConsensus',
    prefix: 'nodes',
    error: failure,
  });
  const o = parseOrThrow(optionsSchema, options, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'clusterConsensus',
    prefix: 'options',
    error: failure,
  });
  const byName = new Map<string, ClusterNode>();
  members.forEach((member, i) => {
    if (byName.has(member.node)) {
      throw new ClusterError({
        code: 'CLUSTER_INVALID_ARGUMENT',
        message: `clusterConsensus: nodes.${i} ("${member.node}") is listed twice`,
      });
    }
    byName.set(member.node, member);
  });
  const names = members.map((member) => member.node);
  const via = byName.get(o?.via ?? (names[0] as string));
  if (via === undefined) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `clusterConsensus: options.via must be one of ${JSON.stringify(names)} (got ${JSON.stringify(o?.via)})`,
    });
  }
  if (via.raft === undefined) {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `clusterConsensus: node "${via.node}" has no Raft log (start it with peers)`,
    });
  }
  const vote = o?.vote ?? (() => true);
  // The voters are the nodes; establishConsensus bounds each ask by voteTimeoutMs.
  const port: AgentPort = {
    async ask(node, question) {
      const member = byName.get(node);
      if (member === undefined || member.connection.isClosed()) {
        throw new ClusterError({
          code: 'CLUSTER_NODE_UNREACHABLE',
          message: `clusterConsensus: node "${node}" is not running`,
        });
      }
      const asked = question as { changes?: Readonly<Record<string, unknown>> };
      return vote(node, asked.changes ?? proposal);
    },
  };
  const registry = createStrategyRegistry().register(
    createRaftConsensus({ node: via.raft, decideWith: createSimpleMajority() }),
  );
  return establishConsensus(names, proposal, {
    registry,
    algorithm: 'raft',
    agents: port,
    voteTimeoutMs: o?.voteTimeoutMs ?? 1_000,
    timeoutMs: o?.timeoutMs ?? 5_000,
    ...(o?.quorum === undefined ? {} : { quorum: o.quorum }),
  });
}
