import { VarplaneError, type VarplaneErrorOptions } from '@varplane/core';
import type { NodeId } from './messages';

/** Stable error codes of `@varplane/consensus-raft`. */
export type RaftErrorCode =
  | 'RAFT_INVALID_OPTIONS'
  | 'RAFT_INVALID_ARGUMENT'
  | 'RAFT_NOT_LEADER'
  | 'RAFT_PROPOSAL_DROPPED'
  | 'RAFT_TIMEOUT'
  | 'RAFT_NO_QUORUM'
  | 'RAFT_STOPPED'
  | 'RAFT_APPLY_FAILED'
  | 'RAFT_STORAGE_INVALID_WRITE'
  | 'RAFT_STORAGE_CORRUPT';

/** The base of every error this package throws or rejects with. */
export class RaftError extends VarplaneError {
  override readonly code: RaftErrorCode;
  constructor(options: VarplaneErrorOptions & { code: RaftErrorCode }) {
    super(options);
    this.name = 'RaftError';
    this.code = options.code;
  }
}

/** A proposal or read reached a node that is not the leader; `leader` is its best guess, if any. */
export class NotLeaderError extends RaftError {
  readonly leader: NodeId | null;
  constructor(options: { message: string; leader: NodeId | null; cause?: unknown }) {
    super({ ...options, code: 'RAFT_NOT_LEADER' });
    this.name = 'NotLeaderError';
    this.leader = options.leader;
  }
}
