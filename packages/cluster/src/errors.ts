import { VarplaneError, type VarplaneErrorOptions } from '@varplane/core';

/** Stable error codes of `@varplane/cluster`. */
export type ClusterErrorCode =
  | 'CLUSTER_INVALID_ARGUMENT'
  | 'CLUSTER_PLACEMENT_INFEASIBLE'
  | 'CLUSTER_TRANSPORT_CLOSED';

/** The base of every error this package throws or rejects with. */
export class ClusterError extends VarplaneError {
  override readonly code: ClusterErrorCode;
  constructor(options: VarplaneErrorOptions & { code: ClusterErrorCode }) {
    super(options);
    this.name = 'ClusterError';
    this.code = options.code;
  }
}
