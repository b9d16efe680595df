export type { ClusterErrorCode } from './errors';
export { ClusterError } from './errors';
export type {
  DistributeAgentsOptions,
  PlacementAgent,
  PlacementNode,
  PlacementPlan,
  PlacementStrategy,
} from './placement';
export { distributeAgents } from './placement';
