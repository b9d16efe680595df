import {
  agentIdSchema,
  InvalidArgumentError,
  NETWORK_PRIORITIES,
  RESTART_TYPES,
  type RestartType,
  SUPERVISION_STRATEGIES,
  type SupervisionStrategy,
} from '@varplane/core';
import { z } from 'zod';
import { type BackoffOptions, type BackoffOptionsInput, backoffOptionsSchema } from './backoff';
import { type AnyBehaviour, checkBehaviour, type SpawnOptions } from './behaviour';
import { parseOrThrow } from './internal/parse';
import { MAX_TIMEOUT_MS } from './internal/timeouts';
import type { Decider } from './restart-decisions';

/** How long a child gets to run `terminate` on shutdown: ms, `brutal` (none) or `infinity`. */
export type ShutdownTimeout = number | 'brutal' | 'infinity';

/** One child of a supervisor. */
export interface ChildSpec {
  /** The child's agent id; unique in the system. */
  id: string;
  behaviour: AnyBehaviour;
  args?: unknown;
  /** `permanent` (default) always restarts, `transient` only after an abnormal exit, `temporary` never. */
  restart?: RestartType;
  /** Default 5,000 ms for workers and `infinity` for supervisors, as in OTP. */
  shutdown?: ShutdownTimeout;
  /**
   * Ms an async `init` may take, at start and at every restart, before it fails with
   * `STEP_TIMEOUT` (default 30,000; `infinity` waits for ever, as OTP does).
   */
  startTimeout?: number | 'infinity';
  /** Decides on this child's errors; the supervisor's decider otherwise. */
  decide?: Decider;
  /** Spawn options other than the id (name, cpu weight, mailbox, resources...). */
  options?: Omit<SpawnOptions, 'id' | 'link'>;
}

export interface SupervisorOptions {
  /** The supervisor's own agent id; generated when left out. */
  id?: string;
  /** Shown as the behaviour name in snapshots (default `supervisor`). */
  name?: string;
  /** Default `one_for_one`. */
  strategy?: SupervisionStrategy;
  /** Most restarts within `periodMs` before the supervisor gives up (default 3). */
  intensity?: number;
  /** Default 5,000 ms. */
  periodMs?: number;
  /** How backed-off restarts are delayed. */
  backoff?: BackoffOptionsInput;
  /** `backoff` delays every restart; `none` (default) only those a decider says to back off. */
  restartDelay?: 'none' | 'backoff';
  /** Decides on children's errors (default `defaultDecider`). */
  decide?: Decider;
  /** Started in order, stopped in reverse. For `simple_one_for_one`: exactly one, the template. */
  children?: readonly ChildSpec[];
}

export interface NormalizedChildSpec extends Omit<ChildSpec, 'startTimeout'> {
  restart: RestartType;
  shutdown: ShutdownTimeout;
  /** In ms; `Infinity` for `infinity`. */
  startTimeout: number;
}

export interface NormalizedSupervisorOptions {
  name: string;
  strategy: SupervisionStrategy;
  intensity: number;
  periodMs: number;
  backoff: BackoffOptions;
  restartDelay: 'none' | 'backoff';
  decide: Decider | undefined;
  children: NormalizedChildSpec[];
}

const fn = z.custom<Decider>((v) => typeof v === 'function', 'must be a function');
const behaviour = z.custom<AnyBehaviour>(
  (v) => typeof v === 'object' && v !== null,
  'must be a behaviour',
);
const shutdown = z.union([
  z.number().int().nonnegative().max(MAX_TIMEOUT_MS),
  z.literal('brutal'),
  z.literal('infinity'),
]);

export const spawnOptionsSchema = z
  .object({
    id: agentIdSchema.optional(),
    name: z.string().min(1).optional(),
    cpuWeight: z.number().positive().finite().optional(),
    networkPriority: z.enum(NETWORK_PRIORITIES).optional(),
    mailbox: z
      .object({
        capacity: z.number().int().positive(),
        overflow: z.enum(['reject', 'drop_oldest']).optional(),
      })
      .strict()
      .optional(),
    resources: z
      .object({
        memory: z.number().nonnegative().optional(),
        cpu: z.number().nonnegative().optional(),
        concurrency: z.number().nonnegative().optional(),
        tokens: z.number().nonnegative().optional(),
        cost: z.number().nonnegative().optional(),
      })
      .strict()
      .optional(),
    trapExits: z.boolean().optional(),
    link: z.boolean().optional(),
    countSent: z.boolean().optional(),
  })
  .strict();

export const childSpecSchema = z
  .object({
    id: agentIdSchema,
    behaviour,
    args: z.unknown().optional(),
    restart: z.enum(RESTART_TYPES).optional(),
    shutdown: shutdown.optional(),
    startTimeout: z
      .union([z.number().positive().max(MAX_TIMEOUT_MS), z.literal('infinity')])
      .optional(),
    decide: fn.optional(),
    options: spawnOptionsSchema.omit({ id: true, link: true }).optional(),
  })
  .strict();

export const supervisorOptionsSchema = z
  .object({
    id: agentIdSchema.optional(),
    name: z.string().min(1).optional(),
    strategy: z.enum(SUPERVISION_STRATEGIES).optional(),
    intensity: z.number().int().nonnegative().optional(),
    periodMs: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
    backoff: backoffOptionsSchema.partial().optional(),
    restartDelay: z.enum(['none', 'backoff']).optional(),
    decide: fn.optional(),
    children: z.array(childSpecSchema).optional(),
  })
  .strict();

/** Marks supervisor behaviours, so child specs default their shutdown to `infinity`. */
export const SUPERVISOR = Symbol.for('varplane.supervisor');

export function isSupervisorBehaviour(value: AnyBehaviour): boolean {
  return (value as unknown as Record<symbol, unknown>)[SUPERVISOR] === true;
}

/** Validates and completes one child spec. */
export function normalizeChildSpec(spec: ChildSpec, path = 'child'): NormalizedChildSpec {
  parseOrThrow(childSpecSchema, spec, { code: 'INVALID_ARGUMENT', subject: path });
  checkBehaviour(spec.behaviour, `${path}.behaviour`);
  const startTimeout = spec.startTimeout ?? 30_000;
  return {
    ...spec,
    restart: spec.restart ?? 'permanent',
    shutdown: spec.shutdown ?? (isSupervisorBehaviour(spec.behaviour) ? 'infinity' : 5_000),
    startTimeout: startTimeout === 'infinity' ? Number.POSITIVE_INFINITY : startTimeout,
  };
}

/** Validates and completes supervisor options. */
export function normalizeSupervisorOptions(
  options: SupervisorOptions,
): NormalizedSupervisorOptions {
  parseOrThrow(supervisorOptionsSchema, options, {
    code: 'INVALID_ARGUMENT',
    subject: 'supervisor',
  });
  const strategy = options.strategy ?? 'one_for_one';
  const children = (options.children ?? []).map((child, i) =>
    normalizeChildSpec(child, `children.${i}`),
  );
  const ids = new Set<string>();
  for (const [i, child] of children.entries()) {
    if (ids.has(child.id)) invalid(`children.${i}.id`, 'duplicates another child id', child.id);
    ids.add(child.id);
  }
  if (strategy === 'simple_one_for_one' && children.length !== 1) {
    invalid(
      'children',
      'simple_one_for_one needs exactly one child spec, the template',
      children.length,
    );
  }
  return {
    name: options.name ?? 'supervisor',
    strategy,
    intensity: options.intensity ?? 3,
    periodMs: options.periodMs ?? 5_000,
    backoff: backoffOptionsSchema.parse(options.backoff ?? {}),
    restartDelay: options.restartDelay ?? 'none',
    decide: options.decide,
    children,
  };
}

function invalid(path: string, message: string, value: unknown): never {
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `supervisor: ${path}: ${message}`,
    issues: [{ path, message, value }],
  });
}
