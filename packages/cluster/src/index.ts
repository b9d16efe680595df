export type { ClusterEvent } from './agent-host';
export type {
  Amounts,
  BudgetAccount,
  BudgetBook,
  BudgetState,
  RaftBudgetBook,
} from './budget-book';
export { createRaftBudgetBook } from './budget-book';
export type { ClusterConsensusOptions } from './cluster-consensus';
export { clusterConsensus } from './cluster-consensus';
export { clusterMigrateHandler } from './cluster-migrate';
export type { ClusterNode, PlaceAgentOptions, StartClusterNodeOptions } from './cluster-node';
export { startClusterNode } from './cluster-node';
export type {
  ClusterTelemetry,
  NodeTelemetry,
  TelemetryTotals,
} from './cluster-telemetry';
export { clusterTelemetry, serveTelemetry, telemetrySubject } from './cluster-telemetry';
export type {
  Checkpoint,
  ControlChange,
  ControlPlane,
  ControlRequestOptions,
  ControlView,
  Member,
  Placement,
  PlacementSpec,
  RestartType,
} from './control-plane';
export type { DistributedSetOptions, DistributedVariable } from './distribute';
export { distribute } from './distribute';
export type { DistributedSpace, DistributeSpaceOptions } from './distribute-space';
export { distributeSpace } from './distribute-space';
export type {
  DurableQueue,
  DurableQueueOptions,
  DurableQueueStats,
  DurableRouting,
} from './durable-queue';
export { durableStream, durableSubject, startDurableQueue } from './durable-queue';
export type { ClusterErrorCode } from './errors';
export { ClusterError } from './errors';
export type { EscrowLedger, EscrowLedgerOptions } from './escrow-ledger';
export { createEscrowLedger } from './escrow-ledger';
export type { EtcdControlPlaneOptions } from './etcd-control-plane';
export { createEtcdControlPlane } from './etcd-control-plane';
export type { MigrationSource } from './migrate-agent';
export { migrateAgent } from './migrate-agent';
export { connectNats } from './nats-connection';
export type {
  NatsRaftTransport,
  NatsRaftTransportOptions,
  NatsRaftTransportStats,
} from './nats-raft-transport';
export { createNatsRaftTransport } from './nats-raft-transport';
export type {
  NatsRemoteTransport,
  NatsRemoteTransportOptions,
  NatsRemoteTransportStats,
} from './nats-remote-transport';
export { createNatsRemoteTransport } from './nats-remote-transport';
export type {
  DistributeAgentsOptions,
  PlacementAgent,
  PlacementNode,
  PlacementPlan,
  PlacementStrategy,
} from './placement';
export { distributeAgents } from './placement';
export type { RaftControlPlane, RaftControlPlaneOptions } from './raft-control-plane';
export { createRaftControlPlane } from './raft-control-plane';
export { callSubject, castSubject, raftSubject, subjectToken } from './subjects';
