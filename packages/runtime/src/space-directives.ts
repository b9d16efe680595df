import {
  AGENT_ROLES,
  type AgentDirective,
  type AgentRole,
  agentDirectiveSchema,
  byPriority,
  type Clock,
  COORDINATION_PATTERNS,
  type CoordinationPattern,
  setAgentRole,
  setLocalConfiguration,
  setTopology,
  VarplaneError,
} from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { AgentNotFoundError, DirectiveError } from './errors';
import { parseOrThrow } from './internal/parse';
import type { SpaceRuntime, Tally } from './internal/space-runtime';
import type { DirectiveMessage } from './space-agent';
import { restartAgent, scaleTo, startAgent, stopAgent } from './space-lifecycle';

/**
 * The most directives one `applyDirectives` takes: each is checked and applied in turn, so a
 * longer list would hold the space (and, while it is checked, the event loop) for a long time.
 */
export const MAX_DIRECTIVES = 1_000;

/**
 * Applies directives to a running space in priority order (highest first), each within its own
 * timeout; more than {@link MAX_DIRECTIVES} are refused as one failure. A directive that is malformed, names an unknown agent, times out or fails is reported
 * (a `directive-failed` event and an error in the operation's tally) and the rest still run.
 */
export async function applyDirectives(
  rt: SpaceRuntime,
  directives: readonly unknown[],
  tally: Tally,
): Promise<void> {
  const valid: AgentDirective[] = [];
  // Malformed directives are reported in the tally, never thrown: a list that is not an array,
  // or one whose items cannot be read, included.
  if (!Array.isArray(directives)) {
    tally.fail(
      new DirectiveError({
        code: 'DIRECTIVE_INVALID',
        message: `directives must be an array (got ${describeValue(directives)})`,
      }),
    );
    return;
  }
  if (directives.length > MAX_DIRECTIVES) {
    tally.fail(
      new DirectiveError({
        code: 'DIRECTIVE_INVALID',
        message: `at most ${MAX_DIRECTIVES} directives a call (got ${directives.length}); none was applied`,
      }),
    );
    return;
  }
  for (let i = 0; i < directives.length; i++) {
    let candidate: unknown;
    try {
      candidate = directives[i];
      valid.push(
        parseOrThrow(agentDirectiveSchema, candidate, {
          code: 'DIRECTIVE_INVALID',
          subject: `malformed directive ${describeValue(candidate)}`,
          prefix: `directives.${i}`,
          error: (options) => new DirectiveError(options),
        }),
      );
    } catch (error) {
      tally.fail(
        VarplaneError.isInstance(error)
          ? error
          : new DirectiveError({
              code: 'DIRECTIVE_INVALID',
              message: `directives.${i} could not be read`,
              cause: error,
            }),
      );
    }
  }
  for (const directive of byPriority(valid)) {
    try {
      await withTimeout(apply(rt, directive, tally), directive, rt.system.clock);
      rt.emit({ type: 'directive-applied', at: rt.now(), directive });
      tally.ok();
    } catch (error) {
      rt.emit({ type: 'directive-failed', at: rt.now(), directive, error: toErrorInfo(error) });
      tally.fail(error);
    }
  }
}

async function withTimeout(
  work: Promise<void>,
  directive: AgentDirective,
  clock: Clock,
): Promise<void> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () =>
        reject(
          new DirectiveError({
            code: 'DIRECTIVE_TIMEOUT',
            agent: directive.agent,
            message: `${directive.action} for ${directive.agent} did not finish within ${directive.timeout} ms`,
          }),
        ),
      directive.timeout,
    );
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
}

async function apply(rt: SpaceRuntime, directive: AgentDirective, tally: Tally): Promise<void> {
  const { agent, parameters } = directive;
  const config = rt.space.agents[agent];
  if (config === undefined)
    throw new AgentNotFoundError(agent, { message: `directive for unknown agent ${agent}` });
  switch (directive.action) {
    case 'start':
      return startAgent(rt, agent, tally);
    case 'stop':
      // `drain`: finish the queued work first, within half the directive's time.
      return stopAgent(
        rt,
        agent,
        tally,
        'inactive',
        parameters.drain === true ? Math.floor(directive.timeout / 2) : undefined,
      );
    case 'reconfigure': {
      const local = parameters.localConfiguration;
      if (local !== undefined) {
        if (typeof local !== 'object' || local === null)
          throw invalid(directive, 'localConfiguration must be an object');
        const before = config.localConfiguration;
        rt.commit(setLocalConfiguration(rt.space, agent, local as Record<string, unknown>));
        tally.change(
          `agents.${agent}.localConfiguration`,
          before,
          rt.space.agents[agent]?.localConfiguration,
          [agent],
        );
      }
      if (rt.isRunning(agent)) await restartAgent(rt, agent, tally);
      return;
    }
    case 'adjustParameters': {
      const { resource, amount } = parameters;
      if ((resource === 'tokens' || resource === 'cost') && typeof amount === 'number') {
        const instances = rt.instances.get(agent) ?? [agent];
        for (const id of instances)
          rt.system.resources.setLimits(id, { [resource]: amount / instances.length });
      }
      tell(rt, directive);
      return;
    }
    case 'changeRole': {
      const role = parameters.role;
      if (!(AGENT_ROLES as readonly unknown[]).includes(role)) {
        throw invalid(
          directive,
          `role must be one of ${AGENT_ROLES.join(', ')} (got ${describeValue(role)})`,
        );
      }
      setRole(rt, agent, role as AgentRole, tally);
      tell(rt, directive);
      return;
    }
    case 'updateCommunication': {
      const { topology, hub, neighbours } = parameters;
      if (Array.isArray(neighbours)) {
        rt.topology.setOverride(
          agent,
          neighbours.filter((id): id is string => typeof id === 'string'),
        );
      }
      if (topology !== undefined) {
        if (!(COORDINATION_PATTERNS as readonly unknown[]).includes(topology)) {
          throw invalid(directive, `topology must be one of ${COORDINATION_PATTERNS.join(', ')}`);
        }
        rewire(
          rt,
          topology as CoordinationPattern,
          typeof hub === 'string' ? hub : undefined,
          tally,
        );
      }
      tell(rt, directive);
      return;
    }
    case 'migrate': {
      const migrate = rt.options.migrate;
      if (migrate !== undefined) {
        if (typeof parameters.node !== 'string' || parameters.node.length === 0) {
          throw invalid(
            directive,
            `parameters.node must name a node (got ${describeValue(parameters.node)})`,
          );
        }
        await migrate({ agent, node: parameters.node, directive, system: rt.system });
        tell(rt, directive);
        return;
      }
      throw new DirectiveError({
        code: 'MIGRATE_NEEDS_CLUSTER',
        agent,
        message: `migrate ${agent}${typeof parameters.node === 'string' ? ` to ${parameters.node}` : ''}: moving agents between nodes needs @varplane/cluster (or a migrate hook in startSpace's options); this space runs in one process`,
      });
    }
    case 'scaleUp':
    case 'scaleDown': {
      const policy = rt.space.scalingPolicies.find((p) => p.agent === agent);
      const current = rt.instances.get(agent)?.length ?? 1;
      const by = typeof parameters.by === 'number' ? parameters.by : (policy?.step ?? 1);
      let target =
        typeof parameters.instances === 'number'
          ? parameters.instances
          : current + (directive.action === 'scaleUp' ? by : -by);
      if (policy !== undefined)
        target = Math.min(policy.maxInstances, Math.max(policy.minInstances, target));
      await scaleTo(rt, agent, target, policy?.router ?? 'round_robin', tally);
      return;
    }
  }
}

/** Lays a new pattern over the space and the live topology (once per change, for all agents). */
export function rewire(
  rt: SpaceRuntime,
  topology: CoordinationPattern,
  hub: string | undefined,
  tally: Tally,
): void {
  const graph = rt.space.coordinationGraph;
  if (graph.topology === topology && (hub === undefined || graph.hub === hub)) return;
  const before = graph.topology;
  const options = hub !== undefined && rt.space.agents[hub] !== undefined ? { hub } : {};
  rt.commit(setTopology(rt.space, topology, options));
  const next = rt.space.coordinationGraph;
  rt.topology.setGraph(next);
  tally.change('coordinationGraph.topology', before, topology, next.nodes);
  rt.emit({ type: 'topology-changed', at: rt.now(), topology, edges: next.edges.length });
}

/** Hands the directive to every running instance of its agent. */
function tell(rt: SpaceRuntime, directive: AgentDirective): void {
  const message: DirectiveMessage = { type: 'directive', directive };
  for (const id of rt.instances.get(directive.agent) ?? [directive.agent]) {
    // By cell, not by id: the id of a scaled agent routes to any of its instances.
    const cell = rt.kernel.cells.get(id);
    if (cell !== undefined) rt.kernel.enqueue(cell, message);
  }
}

function invalid(directive: AgentDirective, message: string): DirectiveError {
  return new DirectiveError({
    code: 'DIRECTIVE_INVALID',
    agent: directive.agent,
    message: `${directive.action} for ${directive.agent}: ${message}`,
  });
}

/** Changes an agent's role in the space value. */
export function setRole(rt: SpaceRuntime, agentId: string, role: AgentRole, tally: Tally): void {
  const config = rt.space.agents[agentId];
  if (config === undefined || config.role === role) return;
  rt.commit(setAgentRole(rt.space, agentId, role));
  tally.change(`agents.${agentId}.role`, config.role, role, [agentId]);
}
