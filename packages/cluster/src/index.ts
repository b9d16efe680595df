export type { ClusterNode, StartClusterNodeOptions } from './cluster-node';
export { startClusterNode } from './cluster-node';
export type { ClusterErrorCode } from './errors';
export { ClusterError } from './errors';
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
export { callSubject, castSubject, raftSubject, subjectToken } from './subjects';
