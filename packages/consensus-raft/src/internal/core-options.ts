import type { Random } from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from '../errors';
import type { NodeId } from '../messages';
import type { RaftCoreOptions } from '../raft-core';
import type { RaftStorageState } from '../storage';
import { checkStorageState } from './check-state';

export interface ResolvedCoreOptions {
  id: NodeId;
  peers: readonly NodeId[];
  learners: readonly NodeId[];
  state: RaftStorageState | undefined;
  random: Random;
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  readOnly: 'safe' | 'lease';
  maxSizePerMsg: number;
  maxInflightMsgs: number;
  maxInflightBytes: number;
  maxUncommittedBytes: number;
  snapshotChunkBytes: number;
  proposalForwarding: boolean;
}

function refuse(field: string, value: unknown, expected: string): never {
  throw new RaftError({
    code: 'RAFT_INVALID_OPTIONS',
    message: `raft options: ${field} must be ${expected} (got ${describeValue(value)})`,
  });
}

function integer(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    refuse(field, value, `an integer >= ${min}`);
  }
  return value;
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') refuse(field, value, 'a boolean');
  return value;
}

function ids(value: unknown, field: string): NodeId[] {
  if (!Array.isArray(value) || value.some((id) => typeof id !== 'string' || id === '')) {
    refuse(field, value, 'an array of non-empty node ids');
  }
  if (new Set(value).size !== value.length) refuse(field, value, 'free of duplicates');
  return value as NodeId[];
}

/**
 * Checks every option a user can set and fills the defaults. Options that cannot be read (a Proxy,
 * a getter that throws) are refused with `RAFT_INVALID_OPTIONS` too.
 */
export function validateCoreOptions(options: RaftCoreOptions): ResolvedCoreOptions {
  try {
    return validate(options);
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `raft options could not be read (${toErrorInfo(error).message})`,
      cause: error,
    });
  }
}

function validate(options: RaftCoreOptions): ResolvedCoreOptions {
  if (typeof options !== 'object' || options === null) refuse('options', options, 'an object');
  if (typeof options.id !== 'string' || options.id === '')
    refuse('id', options.id, 'a non-empty string');
  const peers = ids(options.peers, 'peers');
  const learners = ids(options.learners ?? [], 'learners');
  for (const id of learners)
    if (peers.includes(id)) refuse('learners', learners, 'disjoint from peers');
  const random = options.random;
  if (typeof random !== 'object' || random === null || typeof random.int !== 'function') {
    refuse('random', random, 'a Random from @varplane/core');
  }
  const electionTicks = integer(options.electionTicks, 'electionTicks', 10, 2);
  const heartbeatTicks = integer(options.heartbeatTicks, 'heartbeatTicks', 1, 1);
  if (heartbeatTicks >= electionTicks) {
    refuse('heartbeatTicks', heartbeatTicks, `below electionTicks (${electionTicks})`);
  }
  const checkQuorum = flag(options.checkQuorum, 'checkQuorum', true);
  const readOnly = options.readOnly ?? 'safe';
  if (readOnly !== 'safe' && readOnly !== 'lease')
    refuse('readOnly', readOnly, "'safe' or 'lease'");
  if (readOnly === 'lease' && !checkQuorum) {
    refuse('readOnly', readOnly, "'safe' unless checkQuorum is on (a lease needs it)");
  }
  const state =
    options.state === undefined
      ? undefined
      : checkStorageState(options.state, 'raft options', 'state');
  return {
    id: options.id,
    peers,
    learners,
    state,
    random,
    electionTicks,
    heartbeatTicks,
    preVote: flag(options.preVote, 'preVote', true),
    checkQuorum,
    readOnly,
    maxSizePerMsg: integer(options.maxSizePerMsg, 'maxSizePerMsg', 1024 * 1024, 1),
    maxInflightMsgs: integer(options.maxInflightMsgs, 'maxInflightMsgs', 256, 1),
    maxInflightBytes: integer(options.maxInflightBytes, 'maxInflightBytes', 0, 0),
    maxUncommittedBytes: integer(options.maxUncommittedBytes, 'maxUncommittedBytes', 0, 0),
    snapshotChunkBytes: integer(options.snapshotChunkBytes, 'snapshotChunkBytes', 64 * 1024, 1),
    proposalForwarding: flag(options.proposalForwarding, 'proposalForwarding', true),
  };
}
