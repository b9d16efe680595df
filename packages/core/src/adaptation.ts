import { z } from 'zod';

export const ADAPTATION_TRIGGERS = [
  'performance_degradation',
  'resource_constraint',
  'fault_detected',
  'load_increase',
  'optimization_opportunity',
  'external_signal',
] as const;
export type AdaptationTrigger = (typeof ADAPTATION_TRIGGERS)[number];

export const ADAPTATION_OUTCOMES = [
  'success',
  'partial_success',
  'failure',
  'rolled_back',
] as const;
export type AdaptationOutcome = (typeof ADAPTATION_OUTCOMES)[number];

export const variableChangeSchema = z.object({
  variableId: z.string().min(1),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  affectedAgents: z.array(z.string()),
});
/** One variable's value before and after a change. */
export type VariableChange = z.infer<typeof variableChangeSchema>;

export const adaptationEventSchema = z.object({
  /** Unique within a space's history; `rollback(id)` names it. */
  id: z.string().min(1),
  timestamp: z.number(),
  trigger: z.enum(ADAPTATION_TRIGGERS),
  /** The operation that made the change: `coordinateAgents`, `autoScale`, `rollback`... */
  operation: z.string().min(1),
  changes: z.array(variableChangeSchema),
  outcome: z.enum(ADAPTATION_OUTCOMES),
  /** Aggregate performance after minus before; 0 when not yet measured. */
  performanceImpact: z.number(),
  /** What went wrong, for partial successes and failures. */
  errors: z.array(z.object({ code: z.string(), message: z.string() })).default([]),
});

/** A recorded change to a running team: why, what, and how it went. */
export type AdaptationEvent = z.output<typeof adaptationEventSchema>;
export type AdaptationEventInput = z.input<typeof adaptationEventSchema>;
