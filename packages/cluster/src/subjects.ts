import { ClusterError } from './errors';

/**
 * NATS subjects of a varplane cluster. Messages go to one subject per node (never one per agent):
 * interest in a new subject takes time to spread between servers, and a publish right after a
 * subscribe through another server was measured to drop 13.5% of messages.
 */

const SAFE_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * A node or cluster id as one subject token. Ids made of letters, digits, `_` and `-` are used as
 * they are; any other id (dots, spaces, `>`, `*`, unicode) is hex-encoded behind a `~`, which a
 * plain id cannot contain, so two ids never share a token.
 */
export function subjectToken(id: string): string {
  if (typeof id !== 'string' || id === '') {
    throw new ClusterError({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: `subjectToken: an id must be a non-empty string (got ${typeof id === 'string' ? '""' : typeof id})`,
    });
  }
  if (SAFE_TOKEN.test(id)) return id;
  return `~${Buffer.from(id, 'utf8').toString('hex')}`;
}

/** Where a node receives its Raft messages. */
export function raftSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.raft.${subjectToken(node)}`;
}

/** Where a node receives sends to its agents. */
export function castSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.cast`;
}

/** Where a node answers calls to its agents (NATS request/reply). */
export function callSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.call`;
}

/** Where a node takes back the outcome of a call that moved with its agent to another node. */
export function answerSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.answer`;
}

/** Where a node adopts agents that migrate to it (request/reply). */
export function adoptSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.adopt`;
}

/** Where a node hears that an agent it sent to has moved (its newer placement). */
export function movedSubject(cluster: string, node: string): string {
  return `vp.${subjectToken(cluster)}.n.${subjectToken(node)}.moved`;
}

/** Where the members with a control plane answer "where is this agent" (a queue group). */
export function placementSubject(cluster: string): string {
  return `vp.${subjectToken(cluster)}.placement`;
}

/** Where the new host of an agent announces its committed placement, for members without a view. */
export function placedSubject(cluster: string): string {
  return `vp.${subjectToken(cluster)}.placed`;
}
