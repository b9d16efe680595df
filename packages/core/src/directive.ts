import { z } from 'zod';
import { agentIdSchema } from './agent-ref';
import { guardInput } from './internal/guard';
import { parseOrThrow } from './internal/parse';

/** What a directive tells an agent to do. */
export const AGENT_ACTIONS = [
  'start',
  'stop',
  'reconfigure',
  'migrate',
  'scaleUp',
  'scaleDown',
  'changeRole',
  'updateCommunication',
  'adjustParameters',
] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];

/**
 * The API card's snake_case spellings of the actions (`scale_up`, `adjust_parameters`...). A
 * directive may be written with them; it is read, and reported, with the camelCase action.
 */
export const CARD_AGENT_ACTIONS: Readonly<Record<string, AgentAction>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, AgentAction>, {
    scale_up: 'scaleUp',
    scale_down: 'scaleDown',
    change_role: 'changeRole',
    update_communication: 'updateCommunication',
    adjust_parameters: 'adjustParameters',
  }),
);
export type CardAgentAction =
  | 'scale_up'
  | 'scale_down'
  | 'change_role'
  | 'update_communication'
  | 'adjust_parameters';

const canonicalAction = (value: unknown) =>
  typeof value === 'string' && Object.hasOwn(CARD_AGENT_ACTIONS, value)
    ? CARD_AGENT_ACTIONS[value]
    : value;

export const agentDirectiveSchema = z.object({
  agent: agentIdSchema,
  action: z.preprocess(canonicalAction, z.enum(AGENT_ACTIONS)),
  parameters: z.record(z.string(), z.unknown()),
  /** Higher first. */
  priority: z.number().int().positive(),
  /** Milliseconds the runtime may spend applying it. */
  timeout: z.number().int().positive(),
});

/**
 * One instruction to one agent, produced by coordinating an orchestration variable. A runtime
 * applies directives in priority order, highest first.
 */
export type AgentDirective = z.output<typeof agentDirectiveSchema>;

export const DEFAULT_DIRECTIVE_PRIORITY = 50;
export const DEFAULT_DIRECTIVE_TIMEOUT_MS = 5_000;

/** Builds a directive with the default priority and timeout; a malformed one is refused. */
export function directive(
  agent: string,
  action: AgentAction | CardAgentAction,
  parameters: Record<string, unknown> = {},
  options: { priority?: number; timeout?: number } = {},
): AgentDirective {
  return parseOrThrow(
    agentDirectiveSchema,
    {
      agent,
      action,
      parameters,
      priority: options.priority ?? DEFAULT_DIRECTIVE_PRIORITY,
      timeout: options.timeout ?? DEFAULT_DIRECTIVE_TIMEOUT_MS,
    },
    { code: 'INVALID_ARGUMENT', subject: 'directive' },
  );
}

/** Sorts directives for application: higher priority first, stable for equal priorities. */
export function byPriority(directives: readonly AgentDirective[]): AgentDirective[] {
  // Priorities are read once, guarded, so a sort never meets a getter or a non-number.
  const keyed = guardInput('byPriority', 'directives', directives, () =>
    Array.isArray(directives)
      ? directives.map((d: unknown, index) => {
          const priority =
            typeof d === 'object' && d !== null ? (d as { priority?: unknown }).priority : d;
          return { d: d as AgentDirective, index, priority };
        })
      : undefined,
  );
  if (keyed === undefined || keyed.some(({ priority }) => !Number.isFinite(priority))) {
    parseOrThrow(z.array(z.looseObject({ priority: z.number().finite() })), directives, {
      code: 'INVALID_ARGUMENT',
      subject: 'byPriority',
      prefix: 'directives',
    });
  }
  return (keyed as { d: AgentDirective; index: number; priority: number }[])
    .sort((a, b) => b.priority - a.priority || a.index - b.index)
    .map(({ d }) => d);
}
