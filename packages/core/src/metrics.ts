import { z } from 'zod';
import { idRecord } from './internal/id-record';

const share = z.number().min(0).max(1);

export const performanceMetricsSchema = z.object({
  /** The team's score in [0, 1]. */
  aggregatePerformance: share,
  individualPerformance: idRecord(share),
  /** Per-resource utilization in [0, 1] (`memory`, `cpu`, `tokens`...). */
  resourceUtilization: idRecord(share),
  communicationEfficiency: share,
  adaptationSuccessRate: share,
  /** Milliseconds from failure to recovery, averaged. */
  faultRecoveryTime: z.number().nonnegative(),
});

/** How the team is doing, as measured. */
export type PerformanceMetrics = z.infer<typeof performanceMetricsSchema>;

export function emptyMetrics(): PerformanceMetrics {
  return {
    aggregatePerformance: 0,
    individualPerformance: {},
    resourceUtilization: {},
    communicationEfficiency: 1,
    adaptationSuccessRate: 1,
    faultRecoveryTime: 0,
  };
}

const amount = z.number().nonnegative();

export const resourcePoolSchema = z.object({
  totalMemory: amount,
  availableMemory: amount,
  totalCpu: amount,
  availableCpu: amount,
  networkBandwidth: amount,
  storage: amount,
  /** Agents that may run at once. */
  concurrency: amount,
  /** LM tokens the team may still spend. */
  tokens: amount,
  /** Money the team may still spend, in the caller's unit. */
  cost: amount,
});

/** What the space has to hand out. The runtime never commits more than this. */
export type ResourcePool = z.infer<typeof resourcePoolSchema>;

export function unlimitedResourcePool(): ResourcePool {
  return {
    totalMemory: Number.MAX_SAFE_INTEGER,
    availableMemory: Number.MAX_SAFE_INTEGER,
    totalCpu: Number.MAX_SAFE_INTEGER,
    availableCpu: Number.MAX_SAFE_INTEGER,
    networkBandwidth: Number.MAX_SAFE_INTEGER,
    storage: Number.MAX_SAFE_INTEGER,
    concurrency: Number.MAX_SAFE_INTEGER,
    tokens: Number.MAX_SAFE_INTEGER,
    cost: Number.MAX_SAFE_INTEGER,
  };
}
