import {
  AGENT_ACTIONS,
  type AgentAction,
  type AgentDirective,
  type AgentRef,
  agentIdSchema,
  byPriority,
  type CoordinationEdge,
  directive,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { HierarchyError } from './errors';
import { invalid, parseOrThrow } from './internal/parse';

/** One instruction of a plan. */
export interface PlanStep {
  /** The subordinates it is for (default: all of them). */
  agents?: readonly string[];
  action: AgentAction;
  parameters?: Readonly<Record<string, unknown>>;
  /** Higher first (default 50). */
  priority?: number;
  /** Ms the runtime may spend applying it (default 5,000). */
  timeout?: number;
}

/** What a coordinator wants its subordinates to do, and where its authority comes from. */
export interface CoordinationPlan {
  /**
   * Who may direct whom: a coordination graph's edges (`command` and `supervision` edges carry
   * authority, from the superior to the subordinate), or a map from each agent to its direct
   * reports. Authority is transitive: a coordinator directs its reports' reports.
   */
  authority: readonly CoordinationEdge[] | Readonly<Record<string, readonly string[]>>;
  steps: readonly PlanStep[];
}

const SUBJECT = 'hierarchicalCoordination';

const stepSchema = z.strictObject({
  agents: z.array(agentIdSchema).optional(),
  action: z.enum(AGENT_ACTIONS),
  parameters: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().positive().optional(),
  timeout: z.number().int().positive().optional(),
});

const listSchema = z.array(z.unknown());

const planSchema = z.strictObject({
  authority: z.union([
    z.array(z.object({ from: z.string(), to: z.string(), type: z.string() })),
    z.record(z.string(), z.array(z.string())),
  ]),
  steps: z.array(stepSchema),
});

// An id, or a ref's id; anything else is handed on as it is, for the id schema to refuse by name.
const idOf = (agent: string | AgentRef): unknown => {
  if (typeof agent !== 'object' || agent === null) return agent;
  try {
    return agent.id;
  } catch {
    return agent;
  }
};

/** Everyone under `root`, following authority downward. */
function reachable(root: string, authority: CoordinationPlan['authority']): Set<string> {
  const reports = new Map<string, string[]>();
  if (Array.isArray(authority)) {
    for (const edge of authority as readonly CoordinationEdge[]) {
      if (edge.type !== 'command' && edge.type !== 'supervision') continue;
      reports.set(edge.from, [...(reports.get(edge.from) ?? []), edge.to]);
    }
  } else {
    for (const [superior, direct] of Object.entries(authority)) reports.set(superior, [...direct]);
  }
  const seen = new Set<string>();
  const queue = [root];
  for (let agent = queue.shift(); agent !== undefined; agent = queue.shift()) {
    for (const report of reports.get(agent) ?? []) {
      if (!seen.has(report) && report !== root) {
        seen.add(report);
        queue.push(report);
      }
    }
  }
  return seen;
}

/**
 * Turns a coordinator's plan into directives for its subordinates, after checking that the
 * coordinator has authority over every one of them (`HIERARCHY_UNAUTHORIZED` names those it does
 * not). Each step becomes one directive per subordinate it is for; the directives come highest
 * priority first. A step for an agent outside `subordinates` is `HIERARCHY_UNKNOWN_SUBORDINATE`.
 *
 * @example
 * const directives = hierarchicalCoordination('lead', ['coder', 'tester'], {
 *   authority: { lead: ['coder', 'tester'] },
 *   steps: [
 *     { action: 'adjustParameters', parameters: { temperature: 0.2 } },
 *     { agents: ['tester'], action: 'changeRole', parameters: { role: 'evaluator' }, priority: 80 },
 *   ],
 * });
 */
export function hierarchicalCoordination(
  coordinator: string | AgentRef,
  subordinates: readonly (string | AgentRef)[],
  plan: CoordinationPlan,
): AgentDirective[] {
  const lead = parseOrThrow(agentIdSchema, idOf(coordinator), {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'coordinator',
  });
  parseOrThrow(listSchema, subordinates, {
    subject: SUBJECT,
    code: 'INVALID_ARGUMENT',
    prefix: 'subordinates',
  });
  const team = subordinates.map((s, i) =>
    parseOrThrow(agentIdSchema, idOf(s), {
      subject: SUBJECT,
      code: 'INVALID_ARGUMENT',
      prefix: `subordinates.${i}`,
    }),
  );
  team.forEach((id, i) => {
    if (id === lead)
      invalid(SUBJECT, 'INVALID_ARGUMENT', `subordinates.${i}`, 'is the coordinator itself', id);
    if (team.indexOf(id) !== i)
      invalid(SUBJECT, 'INVALID_ARGUMENT', `subordinates.${i}`, 'appears twice', id);
  });
  parseOrThrow(planSchema, plan, { subject: SUBJECT, code: 'INVALID_ARGUMENT', prefix: 'plan' });

  const under = reachable(lead, plan.authority);
  const outside = team.filter((id) => !under.has(id));
  if (outside.length > 0) {
    throw new HierarchyError({
      code: 'HIERARCHY_UNAUTHORIZED',
      coordinator: lead,
      agents: outside,
      message: `${SUBJECT}: ${describeValue(lead)} has no authority over ${outside.map((id) => describeValue(id)).join(', ')}`,
    });
  }

  const members = new Set(team);
  const directives: AgentDirective[] = [];
  plan.steps.forEach((step, i) => {
    const targets = step.agents ?? team;
    targets.forEach((agent, j) => {
      if (!members.has(agent)) {
        invalid(
          SUBJECT,
          'HIERARCHY_UNKNOWN_SUBORDINATE',
          `plan.steps.${i}.agents.${j}`,
          'is not among the subordinates',
          agent,
        );
      }
      const options = {
        ...(step.priority === undefined ? {} : { priority: step.priority }),
        ...(step.timeout === undefined ? {} : { timeout: step.timeout }),
      };
      directives.push(directive(agent, step.action, { ...step.parameters }, options));
    });
  });
  return byPriority(directives);
}
