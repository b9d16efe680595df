import { z } from 'zod';
import { agentIdSchema } from './agent-ref';
import { idRecord } from './internal/id-record';

export const scalingPolicySchema = z
  .object({
    /** The agent whose instances scale. */
    agent: agentIdSchema,
    /** A per-agent statistic: `mailboxDepth`, `utilization`, `latency`, `errorRate`... */
    metric: z.string().min(1),
    /** Scale up when the metric is above this. */
    scaleUpThreshold: z.number(),
    /** Scale down when the metric is below this. */
    scaleDownThreshold: z.number(),
    minInstances: z.number().int().min(0).default(1),
    maxInstances: z.number().int().positive(),
    /** Instances added or removed per decision. */
    step: z.number().int().positive().default(1),
    /** Milliseconds after a scaling decision before the next. */
    cooldownMs: z.number().int().nonnegative().default(30_000),
    /** How messages to the agent are spread over its instances. */
    router: z.enum(['round_robin', 'least_loaded']).default('round_robin'),
  })
  .refine((p) => p.scaleDownThreshold < p.scaleUpThreshold, {
    message: 'scaleDownThreshold must be below scaleUpThreshold',
    path: ['scaleDownThreshold'],
  })
  .refine((p) => p.minInstances <= p.maxInstances, {
    message: 'minInstances must not exceed maxInstances',
    path: ['minInstances'],
  });

/** When and how far an agent scales out. */
export type ScalingPolicy = z.output<typeof scalingPolicySchema>;
export type ScalingPolicyInput = z.input<typeof scalingPolicySchema>;

export const FAULT_RECOVERY_ACTIONS = [
  'restart',
  'replace',
  'degrade',
  'escalate',
  'ignore',
] as const;
export type FaultRecoveryAction = (typeof FAULT_RECOVERY_ACTIONS)[number];

export const faultRecoveryConfigSchema = z.object({
  /** What to do when an agent fails, unless `perAgent` says otherwise. */
  defaultAction: z.enum(FAULT_RECOVERY_ACTIONS).default('restart'),
  perAgent: idRecord(z.enum(FAULT_RECOVERY_ACTIONS)).default(() => Object.create(null)),
  /** For `replace`: the agent that takes over a failed one's work. */
  fallbacks: idRecord(agentIdSchema).default(() => Object.create(null)),
  /** Restarts allowed within `periodMs` before the failure escalates. */
  maxRestarts: z.number().int().nonnegative().default(3),
  periodMs: z.number().int().positive().default(5_000),
});

/** How a space recovers from an agent's failure. */
export type FaultRecoveryConfig = z.output<typeof faultRecoveryConfigSchema>;
export type FaultRecoveryConfigInput = z.input<typeof faultRecoveryConfigSchema>;
