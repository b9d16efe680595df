import type {
  ConsensusRequest,
  NegotiationRequest,
  ResourceRequest,
  StrategyContext,
  VariableConflict,
} from '@varplane/core';
import { z } from 'zod';
import { valueConstraintsSchema } from '../value-constraints';
import { checkConflicts } from './conflict';
import { checkOrThrow, parseOrThrow } from './parse';
import { arePreferences, preferencesSchema } from './preference';
import { areRequests, availableSchema, requestsSchema } from './resource-request';
import { voteSchema } from './vote';

// A built-in strategy is public: anyone may call its method directly, not only the operations
// (which have checked the same input already). Each method checks its arguments first, with a
// loop where the input can be large and zod only to word a refusal.

const hasMethods = (value: unknown, methods: readonly string[]): boolean =>
  typeof value === 'object' &&
  value !== null &&
  methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');

const contextSchema = z.object({
  random: z.custom((v) => hasMethods(v, ['next', 'int', 'float', 'pick']), 'must be a Random'),
  clock: z.custom(
    (v) => hasMethods(v, ['now', 'setTimeout', 'clearTimeout']),
    'must be a Clock (now, setTimeout, clearTimeout)',
  ),
  signal: z.custom((v) => v instanceof AbortSignal, 'must be an AbortSignal'),
  agents: z.custom((v) => hasMethods(v, ['ask']), 'must be an AgentPort (ask)').optional(),
});

function isContext(input: unknown): boolean {
  try {
    if (typeof input !== 'object' || input === null) return false;
    const { random, clock, signal, agents } = input as Record<string, unknown>;
    return (
      hasMethods(random, ['next', 'int', 'float', 'pick']) &&
      hasMethods(clock, ['now', 'setTimeout', 'clearTimeout']) &&
      signal instanceof AbortSignal &&
      (agents === undefined || hasMethods(agents, ['ask']))
    );
  } catch {
    return false;
  }
}

/** The strategy context a method was handed: a random source, a clock, a signal. */
export function checkContext(subject: string, context: unknown): StrategyContext {
  return checkOrThrow<StrategyContext>(context, isContext, contextSchema, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'context',
  });
}

const negotiationShape = z.object({
  variableId: z.string().min(1, 'must not be empty'),
  preferences: z.unknown(),
  constraints: valueConstraintsSchema,
});

/** A negotiation request as `negotiateValue` builds it. */
export function checkNegotiation(
  subject: string,
  request: unknown,
  context: unknown,
): { request: NegotiationRequest; context: StrategyContext } {
  const shape = parseOrThrow(negotiationShape, request, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'request',
  });
  checkOrThrow(shape.preferences, arePreferences, preferencesSchema, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'request.preferences',
  });
  return { request: request as NegotiationRequest, context: checkContext(subject, context) };
}

/** Resource requests and what is available, as `coordinateResources` hands them over. */
export function checkAllocation(
  subject: string,
  requests: unknown,
  available: unknown,
  context: unknown,
): void {
  checkAllocationInput(subject, requests, available);
  checkContext(subject, context);
}

/** Resource requests and what is available, without a strategy context. */
export function checkAllocationInput(subject: string, requests: unknown, available: unknown): void {
  checkOrThrow<readonly ResourceRequest[]>(requests, areRequests, requestsSchema, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'requests',
  });
  parseOrThrow(availableSchema, available, {
    subject,
    code: 'INVALID_ARGUMENT',
    prefix: 'available',
  });
}

/** Conflicts as `resolveConflicts` hands them over. */
export function checkConflictInput(subject: string, conflicts: unknown, context: unknown): void {
  checkConflicts(subject, conflicts as readonly VariableConflict[]);
  checkContext(subject, context);
}

const consensusSchema = z.object({
  proposalId: z.string(),
  voters: z
    .array(z.object({ id: z.string().min(1), weight: z.number().nonnegative() }))
    .min(1, 'must not be empty'),
  proposedChanges: z.record(z.string(), z.unknown()),
  votes: z.array(voteSchema),
  absent: z.array(z.string()),
  quorum: z.number().gt(0, 'must be above 0').max(1, 'must be at most 1').optional(),
});

/** A consensus request as `establishConsensus` builds it. */
export function checkConsensus(
  subject: string,
  request: unknown,
  context: unknown,
): ConsensusRequest {
  parseOrThrow(consensusSchema, request, { subject, code: 'INVALID_ARGUMENT', prefix: 'request' });
  checkContext(subject, context);
  return request as ConsensusRequest;
}
