import { z } from 'zod';
import { agentIdSchema } from './agent-ref';
import { idRecord } from './internal/id-record';

export const AGENT_ROLES = [
  'coordinator',
  'executor',
  'evaluator',
  'optimizer',
  'monitor',
  'custom',
] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const AGENT_STATUSES = [
  'active',
  'inactive',
  'starting',
  'stopping',
  'migrating',
  'failed',
] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const NETWORK_PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
export type NetworkPriority = (typeof NETWORK_PRIORITIES)[number];

export const resourceRequirementsSchema = z.object({
  /** Bytes (or any unit the pool uses), reserved while the agent runs. */
  memory: z.number().nonnegative().default(0),
  /** Share of dispatch turns when many agents are runnable, > 0 (default 1). */
  cpuWeight: z.number().positive().default(1),
  networkPriority: z.enum(NETWORK_PRIORITIES).default('normal'),
  /** Messages the agent may handle at once (1 keeps actor semantics). */
  concurrency: z.number().int().positive().default(1),
  /** LM tokens the agent may spend, in all. */
  tokens: z.number().nonnegative().optional(),
  /** Money the agent may spend, in all. */
  cost: z.number().nonnegative().optional(),
});
export type ResourceRequirements = z.output<typeof resourceRequirementsSchema>;

export const RESTART_TYPES = ['permanent', 'transient', 'temporary'] as const;
export type RestartType = (typeof RESTART_TYPES)[number];

export const SUPERVISION_STRATEGIES = [
  'one_for_one',
  'one_for_all',
  'rest_for_one',
  'simple_one_for_one',
] as const;
export type SupervisionStrategy = (typeof SUPERVISION_STRATEGIES)[number];

export const supervisionSpecSchema = z.object({
  restart: z.enum(RESTART_TYPES).default('permanent'),
  /** Milliseconds to wait for a graceful stop, `brutal` to kill at once, or `infinity`. */
  shutdown: z
    .union([z.number().int().nonnegative(), z.literal('brutal'), z.literal('infinity')])
    .default(5_000),
});
export type SupervisionSpec = z.output<typeof supervisionSpecSchema>;

export const agentConfigSchema = z.object({
  id: agentIdSchema,
  /** The name of the behaviour the runtime starts for this agent. */
  behaviour: z.string().min(1),
  role: z.enum(AGENT_ROLES).default('executor'),
  status: z.enum(AGENT_STATUSES).default('inactive'),
  supervision: supervisionSpecSchema.default({ restart: 'permanent', shutdown: 5_000 }),
  resources: resourceRequirementsSchema.default({
    memory: 0,
    cpuWeight: 1,
    networkPriority: 'normal',
    concurrency: 1,
  }),
  /** Message kinds the agent understands, for routing and discovery. */
  interfaces: z.array(z.string()).default([]),
  capabilities: z.array(z.string()).default([]),
  /**
   * Orchestration variables whose values the agent follows: a running space passes their values
   * to `init` and casts `{ type: 'orchestration', values }` whenever they change. Each must be a
   * variable of the space.
   */
  follows: z.array(z.string().min(1)).optional(),
  /** The agent's own variable values (temperature, demos...), validated by its local space. */
  localConfiguration: idRecord(z.unknown()).default(() => Object.create(null)),
  /** Passed to the behaviour's `init`. */
  args: z.unknown().optional(),
});

/** An agent as the space describes it. */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** What callers write: everything with a default may be left out. */
export type AgentConfigInput = z.input<typeof agentConfigSchema>;
