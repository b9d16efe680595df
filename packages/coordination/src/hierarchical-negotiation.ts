import type {
  NegotiationResult,
  NegotiationStrategy,
  Preference,
  ValueConstraints,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { askAgent, DEFAULT_ASK_TIMEOUT_MS } from './ask-agents';
import { invalid, parseOrThrow } from './internal/parse';
import { checkNegotiation } from './internal/strategy-input';
import { byAgentId, cleanFloat } from './internal/values';

/** What a coordinator decides with. */
export interface HierarchicalDecisionInput {
  coordinator: Preference;
  subordinates: readonly Preference[];
  constraints: ValueConstraints;
}

/** Options of {@link createHierarchicalNegotiation}. */
export interface HierarchicalNegotiationOptions {
  /** The name it registers under (default `hierarchical`). */
  name?: string;
  /** The deciding agent. Default: the heaviest preference (equal weights: the smaller agent id). */
  coordinator?: string;
  /**
   * For numbers, how far the coordinator moves from its own value toward its subordinates'
   * weighted mean, in [0, 1] (default 0.5). 0 is a dictator, 1 a pure delegate.
   */
  deference?: number;
  /** Replaces the built-in rule: returns the value the coordinator picks. */
  decide?: (input: HierarchicalDecisionInput) => unknown;
  /** How long a live coordinator has to answer, in ms (default 1,000). */
  askTimeoutMs?: number;
}

const optionsSchema = z.strictObject({
  name: z.string().min(1).optional(),
  coordinator: z.string().min(1).optional(),
  deference: z.number().min(0).max(1).optional(),
  decide: z
    .custom<(input: HierarchicalDecisionInput) => unknown>(
      (f) => typeof f === 'function',
      'must be a function',
    )
    .optional(),
  askTimeoutMs: z.number().int().positive().optional(),
});

/**
 * Hierarchical negotiation (`hierarchical`): one coordinator decides, with its subordinates'
 * preferences as input. With live agents the coordinator is asked (`{ type: 'preference',
 * preferences }` listing the subordinates' wishes) and its answer is the value; when it stays
 * silent, and without live agents, `decide` or the built-in rule decides: for numbers the
 * coordinator's value moved toward the subordinates' weighted mean by `deference`, for other values
 * the coordinator's own.
 *
 * @example
 * const strategy = createHierarchicalNegotiation({ coordinator: 'lead', deference: 0.25 });
 */
export function createHierarchicalNegotiation(
  options: HierarchicalNegotiationOptions = {},
): NegotiationStrategy {
  const opts = parseOrThrow(optionsSchema, options, {
    subject: 'createHierarchicalNegotiation',
    code: 'INVALID_ARGUMENT',
    prefix: 'options',
  });
  const deference = opts.deference ?? 0.5;
  const askTimeoutMs = opts.askTimeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;

  const rule = (input: HierarchicalDecisionInput): { value: unknown; why: string } => {
    if (opts.decide !== undefined) return { value: opts.decide(input), why: 'its decide rule' };
    const own = input.coordinator.value;
    let sum = 0;
    let total = 0;
    for (const p of input.subordinates) {
      if (typeof p.value !== 'number') return { value: own, why: 'its own preference' };
      sum += p.value * p.weight;
      total += p.weight;
    }
    if (typeof own !== 'number' || !(total > 0) || deference === 0) {
      return { value: own, why: 'its own preference' };
    }
    const mean = sum / total;
    return {
      value: cleanFloat(own + deference * (mean - own)),
      why: `its own ${own} moved ${deference} of the way to the subordinates' mean ${cleanFloat(mean)}`,
    };
  };

  return {
    kind: 'negotiation',
    name: opts.name ?? 'hierarchical',
    specificationVersion: 'v1',
    description: "A coordinator decides, with its subordinates' preferences as input.",
    negotiate(request, context) {
      checkNegotiation('hierarchical.negotiate', request, context);
      const coordinator = pickCoordinator(request.preferences, opts.coordinator);
      const subordinates = request.preferences.filter((p) => p !== coordinator);
      const input = { coordinator, subordinates, constraints: request.constraints };
      const decided = (value: unknown, why: string): NegotiationResult => ({
        value,
        winner: coordinator.agent,
        rounds: 1,
        rationale: `hierarchical: coordinator ${coordinator.agent} decided ${describeValue(value)} from ${subordinates.length} subordinates' preferences by ${why}`,
      });
      if (context.agents === undefined) {
        const { value, why } = rule(input);
        return decided(value, why);
      }
      const question = {
        type: 'preference' as const,
        variableId: request.variableId,
        constraints: request.constraints,
        preferences: subordinates.map((p) => ({
          agent: p.agent,
          value: p.value,
          weight: p.weight,
        })),
      };
      return askAgent(context, coordinator.agent, question, askTimeoutMs).then((outcome) => {
        const answer = outcome.ok ? outcome.answer : undefined;
        if (answer !== undefined && (typeof answer !== 'number' || Number.isFinite(answer))) {
          return decided(answer, 'its own answer');
        }
        const { value, why } = rule(input);
        return decided(value, `${why} (it did not answer)`);
      });
    },
  };
}

function pickCoordinator(
  preferences: readonly Preference[],
  named: string | undefined,
): Preference {
  if (named !== undefined) {
    const found = preferences.find((p) => p.agent === named);
    if (found === undefined) {
      invalid(
        'hierarchical negotiation',
        'INVALID_ARGUMENT',
        'options.coordinator',
        `has no preference among ${preferences.map((p) => p.agent).join(', ')}`,
        named,
      );
    }
    return found;
  }
  let best = preferences[0] as Preference;
  for (const p of preferences) {
    if (
      p.weight > best.weight ||
      (p.weight === best.weight && byAgentId(p.agent, best.agent) < 0)
    ) {
      best = p;
    }
  }
  return best;
}
