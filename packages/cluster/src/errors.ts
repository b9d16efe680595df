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
  | 'CLUSTER_MIGRATION_FAILED'
  | 'CLUSTER_PLACEMENT_CONFLICT'
  | 'CLUSTER_MEMBERSHIP_LOST'
  | 'CLUSTER_CONTROL_UNAVAILABLE'
  | 'CLUSTER_AGENT_FENCED'
  | 'CLUSTER_JETSTREAM_UNAVAILABLE'
  | 'CLUSTER_AGENT_MOVED';

/** The base of every error this package throws or rejects with. */
export class ClusterError extends VarplaneError {
  override readonly code: ClusterErrorCode;
  constructor(options: VarplaneErrorOptions & { code: ClusterErrorCode }) {
    const { code, message, cause } = readOptions(options);
    super({ code, message, cause });
    this.name = 'ClusterError';
    this.code = code;
  }
}

/** Reads the options defensively: an error class must never throw while being built. */
function readOptions(options: unknown): {
  code: ClusterErrorCode;
  message: string;
  cause: unknown;
} {
  try {
    const given =
      typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    const code =
      typeof given.code === 'string'
        ? (given.code as ClusterErrorCode)
        : 'CLUSTER_INVALID_ARGUMENT';
    return {
      code,
      message: typeof given.message === 'string' ? given.message : code,
      cause: given.cause,
    };
  } catch (cause) {
    return { code: 'CLUSTER_INVALID_ARGUMENT', message: 'ClusterError: unreadable options', cause };
  }
}
