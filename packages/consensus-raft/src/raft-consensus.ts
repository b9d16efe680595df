import type {
  ConsensusRequest,
  ConsensusResult,
  ConsensusStrategy,
  StrategyContext,
} from '@varplane/core';
import { RaftError } from './errors';
import { readSafely } from './internal/read-field';
import type { RaftNode } from './raft-node';

/** Options of {@link createRaftConsensus}. */
export interface RaftConsensusOptions {
  /** The node whose log records accepted changes. */
  readonly node: RaftNode;
  /** The strategy that tallies the votes (simple majority, weighted...). */
  readonly decideWith: ConsensusStrategy;
}

/** What a consensus decision puts in the log. */
export interface ConsensusLogEntry {
  readonly kind: 'consensus';
  readonly proposalId: string;
  readonly accepted: Readonly<Record<string, unknown>>;
}

const encoder = new TextEncoder();

/**
 * The `raft` consensus strategy: the votes are tallied by `decideWith`, and the changes it
 * accepts are appended to the Raft log, so every node learns them in one order; `index` in the
 * result is their place in the log. Deciding the same proposal again with the same accepted
 * changes returns the index it already has instead of appending twice. A decision that accepts
 * nothing appends nothing. Register it explicitly:
 *
 * @example
 * const registry = createStrategyRegistry().register(
 *   createRaftConsensus({ node, decideWith: createSimpleMajority() }),
 * );
 * const outcome = await establishConsensus(voters, changes, { registry, algorithm: 'raft' });
 * outcome.index; // the log position of the accepted changes
 */
export function createRaftConsensus(options: RaftConsensusOptions): ConsensusStrategy {
  return readSafely('createRaftConsensus', 'RAFT_INVALID_OPTIONS', () => build(options));
}

function build(options: RaftConsensusOptions): ConsensusStrategy {
  const { node, decideWith } = options ?? {};
  if (typeof node !== 'object' || node === null || typeof node.propose !== 'function') {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `createRaftConsensus: node must be a RaftNode (got ${typeof node})`,
    });
  }
  if (
    typeof decideWith !== 'object' ||
    decideWith === null ||
    decideWith.kind !== 'consensus' ||
    typeof decideWith.decide !== 'function'
  ) {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `createRaftConsensus: decideWith must be a consensus strategy (got ${typeof decideWith === 'object' && decideWith !== null ? `kind ${String(decideWith.kind)}` : typeof decideWith})`,
    });
  }
  const logged = new Map<string, number>();
  // Read now, so a name that cannot be read is refused here rather than later.
  const description = `Tallies with ${String(decideWith.name)} and appends the accepted changes to a Raft log`;
  return {
    kind: 'consensus',
    name: 'raft',
    specificationVersion: 'v1',
    description,
    async decide(request: ConsensusRequest, context: StrategyContext): Promise<ConsensusResult> {
      const result = await decideWith.decide(request, context);
      if (Object.keys(result.accepted).length === 0) return result;
      const entry: ConsensusLogEntry = {
        kind: 'consensus',
        proposalId: request.proposalId,
        accepted: result.accepted,
      };
      const data = JSON.stringify(entry);
      const known = logged.get(data);
      if (known !== undefined) return { ...result, index: known };
      const applied = await node.propose(encoder.encode(data), { signal: context.signal });
      logged.set(data, applied.index);
      return { ...result, index: applied.index };
    },
  };
}
