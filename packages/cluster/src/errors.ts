import { VarplaneError, type VarplaneErrorOptions } from '@varplane/core';

/** Stable error codes of `@varplane/cluster`. */
export type ClusterErrorCode =
  | 'CLUSTER_INVALID_ARGUMENT'
  | 'CLUSTER_PLACEMENT_INFEASIBLE'
  | 'CLUSTER_TRANSPORT_CLOSED'
  | 'CLUSTER_NODE_UNREACHABLE'
  | 'CLUSTER_MESSAGE_NOT_SERIALIZABLE'
  | 'CLUSTER_INVALID_REPLY'
  | 'CLUSTER_REMOTE_FAILURE'
  | 'CLUSTER_UNKNOWN_BEHAVIOUR'
  | 'CLUSTER_MIGRATION_FAILED';

/** The base of every error this package throws or rejects with. */
export class ClusterError extends VarplaneError {
  override readonly code: ClusterErrorCode;
  constructor(options: VarplaneErrorOptions & { code: ClusterErrorCode }) {
    super(options);
    this.name = 'ClusterError';
    this.code = options.code;
  }
}
