import type { ConfState, NodeId } from '../messages';

/** How a vote stands: won, lost, or still open. */
export type VoteOutcome = 'won' | 'lost' | 'pending';

/**
 * The highest index a majority of `voters` has matched. An empty set commits anything (the
 * outgoing half of a configuration that is not joint), so it never holds back the incoming half.
 */
export function majorityCommitted(
  voters: readonly NodeId[],
  progress: ReadonlyMap<NodeId, { readonly match: number }>,
): number {
  if (voters.length === 0) return Number.MAX_SAFE_INTEGER;
  // Insertion sort, descending: configurations are small and this runs on every acknowledgement.
  const indexes: number[] = [];
  for (const id of voters) {
    const match = progress.get(id)?.match ?? 0;
    let at = indexes.length;
    while (at > 0 && (indexes[at - 1] as number) < match) at -= 1;
    indexes.splice(at, 0, match);
  }
  return indexes[Math.floor(voters.length / 2)] as number;
}

/** The result of a vote in one majority configuration. */
export function majorityVote(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteOutcome {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing += 1;
    else if (vote) granted += 1;
  }
  const needed = Math.floor(voters.length / 2) + 1;
  if (granted >= needed) return 'won';
  if (granted + missing >= needed) return 'pending';
  return 'lost';
}

/** The committed index of a (possibly joint) configuration: both halves must agree. */
export function jointCommitted(
  conf: ConfState,
  progress: ReadonlyMap<NodeId, { readonly match: number }>,
): number {
  return Math.min(
    majorityCommitted(conf.voters, progress),
    majorityCommitted(conf.votersOutgoing, progress),
  );
}

/** A vote in a (possibly joint) configuration: it needs a majority of each half. */
export function jointVote(conf: ConfState, votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  const incoming = majorityVote(conf.voters, votes);
  const outgoing = majorityVote(conf.votersOutgoing, votes);
  if (incoming === 'won' && outgoing === 'won') return 'won';
  if (incoming === 'lost' || outgoing === 'lost') return 'lost';
  return 'pending';
}

/** True when `active` holds a majority of each half of the configuration. */
export function jointQuorumActive(conf: ConfState, active: (id: NodeId) => boolean): boolean {
  const votes = new Map<NodeId, boolean>();
  for (const id of conf.voters) votes.set(id, active(id));
  for (const id of conf.votersOutgoing) votes.set(id, active(id));
  return jointVote(conf, votes) === 'won';
}

/** Every node of the configuration, voters and learners, each once. */
export function allNodes(conf: ConfState): NodeId[] {
  return [
    ...new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext]),
  ];
}

/** True when `id` votes in either half. */
export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.votersOutgoing.includes(id);
}

/** True during a joint configuration. */
export function isJoint(conf: ConfState): boolean {
  return conf.votersOutgoing.length > 0;
}
