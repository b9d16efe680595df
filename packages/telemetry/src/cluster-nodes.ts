import { z } from 'zod';

/**
 * One node of a cluster as the dashboard's nodes view shows it: up or down, and the agents it
 * runs with their placement epochs. `@varplane/cluster`'s placements and membership map onto it
 * (telemetry does not depend on the cluster package: any source of this shape will do).
 */
export interface ClusterNodeStatus {
  readonly node: string;
  readonly status: 'up' | 'down';
  readonly agents: readonly { readonly id: string; readonly epoch: number }[];
}

/** What the dashboard shows of a cluster: its nodes, and updates it refused as malformed. */
export interface ClusterView {
  readonly nodes: readonly ClusterNodeStatus[];
  /** Updates that were not a list of {@link ClusterNodeStatus}: not shown, counted here. */
  readonly refused: number;
}

export const clusterNodesSchema = z
  .array(
    z
      .object({
        node: z.string().min(1),
        status: z.enum(['up', 'down']),
        agents: z
          .array(
            z.object({ id: z.string().min(1), epoch: z.number().int().nonnegative() }).strict(),
          )
          .max(100_000),
      })
      .strict(),
  )
  .max(10_000);
