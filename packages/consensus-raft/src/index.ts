export { deliverContained } from './deliver-contained';
export type { RaftErrorCode } from './errors';
export { NotLeaderError, RaftError } from './errors';
export type { FileStorageOptions } from './file-storage';
export { createFileStorage, StorageCorruptError } from './file-storage';
export type { MemoryStorage, MemoryStorageOptions } from './memory-storage';
export { createMemoryStorage } from './memory-storage';
export { decodeRaftMessage, encodeRaftMessage } from './message-codec';
export type {
  ConfChange,
  ConfChangeSingle,
  ConfState,
  Entry,
  EntryType,
  HardState,
  MessageType,
  NodeId,
  RaftMessage,
  ReadState,
  Snapshot,
  SnapshotChunk,
  SnapshotMetadata,
} from './messages';
export { decodeConfChange, encodeConfChange, entrySize } from './messages';
export type { ConsensusLogEntry, RaftConsensusOptions } from './raft-consensus';
export { createRaftConsensus } from './raft-consensus';
export type {
  DropReason,
  FollowerProgress,
  ForwardedProposalResult,
  ProposeResult,
  RaftCore,
  RaftCoreOptions,
  RaftCoreStatus,
  RaftRole,
  Ready,
  SoftState,
} from './raft-core';
export { createRaftCore } from './raft-core';
export type {
  Applied,
  RaftEvent,
  RaftNode,
  RaftStateMachine,
  RequestOptions,
  StartRaftNodeOptions,
} from './raft-node';
export { startRaftNode } from './raft-node';
export type { ReplicatedVariableStore, SetVariableEntry } from './replicated-variables';
export { createReplicatedVariableStore } from './replicated-variables';
export type {
  NetworkFaults,
  NetworkStats,
  SimulatedNetwork,
  SimulatedNetworkOptions,
} from './simulated-network';
export { createSimulatedNetwork } from './simulated-network';
export type { RaftStorage, RaftStorageState, RaftWrite } from './storage';
export { EMPTY_HARD_STATE } from './storage';
export type {
  TcpAddress,
  TcpTransport,
  TcpTransportOptions,
  TcpTransportStats,
} from './tcp-transport';
export { startTcpTransport } from './tcp-transport';
export type { RaftTransport } from './transport';
