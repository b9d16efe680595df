import { VarplaneError, type VarplaneErrorOptions } from '@varplane/core';
import { isString, readField } from './internal/read-field';
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
  | 'RAFT_DELIVERY_FAILED'
  | 'RAFT_STORAGE_INVALID_WRITE'
  | 'RAFT_STORAGE_CORRUPT';

/** The base of every error this package throws or rejects with. */
export class RaftError extends VarplaneError {
  // The code the base class read (safely) from the options; `declare` keeps it rather than
  // redefining the field.
  declare readonly code: RaftErrorCode;
  constructor(options: VarplaneErrorOptions & { code: RaftErrorCode }) {
    super(options);
    this.name = 'RaftError';
  }
}

/** A proposal or read reached a node that is not the leader; `leader` is its best guess, if any. */
export class NotLeaderError extends RaftError {
  readonly leader: NodeId | null;
  constructor(options: { message: string; leader: NodeId | null; cause?: unknown }) {
    super({
      code: 'RAFT_NOT_LEADER',
      message: readField<string>(options, 'message', isString) ?? 'not the leader',
      cause: readField(options, 'cause', (v) => v !== undefined),
    });
    this.name = 'NotLeaderError';
    this.leader = readField<string>(options, 'leader', isString) ?? null;
  }
}
