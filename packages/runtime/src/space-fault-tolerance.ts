import type {
  AgentConfig,
  FaultTolerance,
  MultiAgentSpace,
  OrchestrationVariable,
} from '@varplane/core';
import { AgentNotRunningError } from './errors';
import { CallEnvelope } from './internal/call-envelope';
import type { SpaceRuntime } from './internal/space-runtime';
import { type Decider, defaultDecider } from './restart-decisions';
import { actionOf, deciderOf } from './space-agent';

/** The orchestration variable whose fault tolerance governs an agent, and that tolerance. */
export interface GoverningTolerance {
  readonly variable: OrchestrationVariable;
  readonly tolerance: FaultTolerance;
}

/**
 * The fault tolerance that governs `agentId`: the first variable (in the space's order) that
 * coordinates the agent and sets one. An explicit `faultRecovery.perAgent` entry overrides it.
 */
export function toleranceOf(
  space: MultiAgentSpace,
  agentId: string,
): GoverningTolerance | undefined {
  if (Object.hasOwn(space.faultRecovery.perAgent, agentId)) return undefined;
  for (const variable of Object.values(space.orchestrationVariables)) {
    const tolerance = variable.faultTolerance;
    if (tolerance !== undefined && variable.agents.includes(agentId))
      return { variable, tolerance };
  }
  return undefined;
}

/** Restarts a tolerant agent may have within the space's restart period. */
export function retryBudget(space: MultiAgentSpace, tolerance: FaultTolerance): number {
  return tolerance.maxRetries ?? space.faultRecovery.maxRestarts;
}

/**
 * The decider for one running instance of a space agent. Under a variable's fault tolerance it
 * counts the instance's own restarts, so a crash-looping agent is taken out of service (or fails
 * the team, for `retry` and `fail_fast`) before it can exhaust the space supervisor's restart
 * intensity. Without one, the space's `faultRecovery` decides. Whenever the answer is `stop`, the
 * agent's mailbox is handed on right here: the decision is the last moment it is intact, and the
 * route set here keeps new sends out of a mailbox its retirement would empty.
 */
export function spaceDecider(rt: SpaceRuntime, config: AgentConfig, instanceId: string): Decider {
  const governed = toleranceOf(rt.space, config.id);
  if (governed === undefined) {
    const base = deciderOf(rt.space.faultRecovery, config.id);
    return (error, id) => {
      const decision = base(error, id);
      if (decision === 'stop') takeOutOfService(rt, config.id, instanceId);
      return decision;
    };
  }
  const { tolerance } = governed;
  const restarts: number[] = [];
  return (error, id) => {
    const base = defaultDecider(error, id);
    if (base === 'resume') return base;
    if (tolerance.strategy === 'fail_fast') return 'escalate';
    if (base === 'restart' || base === 'backoff') {
      const now = rt.now();
      const since = now - rt.space.faultRecovery.periodMs;
      while (restarts.length > 0 && (restarts[0] as number) <= since) restarts.shift();
      if (restarts.length < retryBudget(rt.space, tolerance)) {
        restarts.push(now);
        return tolerance.strategy === 'retry' ? 'backoff' : base;
      }
      if (tolerance.strategy === 'retry') return 'escalate';
    }
    takeOutOfService(rt, config.id, instanceId);
    return 'stop';
  };
}

/**
 * Who takes a stopped instance's work: another running instance of a scaled agent; the fallback
 * of an agent `replace`d by the space's fault recovery; for an agent selection, a running agent
 * of the selection (or else of the variable), since they are alternatives to each other. Agents
 * of other variables have roles of their own, so no one stands in for them.
 */
function peerFor(rt: SpaceRuntime, agentId: string, instanceId: string): string | undefined {
  const instances = rt.instances.get(agentId);
  if (instances !== undefined) {
    const other = instances.find((id) => id !== instanceId && rt.kernel.lookup(id) !== undefined);
    if (other !== undefined) return other;
  }
  if (instanceId !== agentId) return undefined;
  const live = (id: string) =>
    id !== agentId && rt.isRunning(id) && !rt.replacements.has(id) && !rt.draining.has(id);
  if (actionOf(rt.space.faultRecovery, agentId) === 'replace') {
    const { fallbacks } = rt.space.faultRecovery;
    const fallback = Object.hasOwn(fallbacks, agentId) ? fallbacks[agentId] : undefined;
    return fallback !== undefined && live(fallback) ? fallback : undefined;
  }
  const variable = Object.values(rt.space.orchestrationVariables).find(
    (v) => v.type === 'agent_selection' && v.agents.includes(agentId),
  );
  if (variable === undefined) return undefined;
  const selected = Array.isArray(variable.value) ? (variable.value as string[]) : [];
  return selected.find(live) ?? variable.agents.find(live);
}

/**
 * Hands a stopping instance's queued messages on: to a peer (`mail-rerouted`), or back to the
 * caller in a `mail-dead-lettered` event. Never silently. A failed instance (`reroute`) also
 * leaves the routes: its id then sends to the peer.
 */
export function takeOutOfService(
  rt: SpaceRuntime,
  agentId: string,
  instanceId: string,
  reroute = true,
): void {
  const cell = rt.kernel.cells.get(instanceId);
  if (cell === undefined) return;
  const peer = peerFor(rt, agentId, instanceId);
  const instances = rt.instances.get(agentId);
  if (!reroute) {
    // A planned stop: the routes are the lifecycle's to change.
  } else if (instances?.includes(instanceId)) {
    const rest = instances.filter((id) => id !== instanceId);
    if (rest.length > 1) {
      rt.instances.set(agentId, rest);
      rt.system.route(agentId, rest, rt.system.routeOf(agentId)?.kind ?? 'round_robin');
    } else {
      rt.instances.delete(agentId);
      rt.system.unroute(agentId);
    }
  } else if (peer !== undefined) {
    rt.replacements.set(agentId, peer);
    rt.system.route(agentId, [peer], 'round_robin');
  }
  const mail = cell.drain();
  if (mail.length === 0) return;
  const target = peer === undefined ? undefined : rt.kernel.cells.get(peer);
  if (target !== undefined && peer !== undefined) {
    for (const message of mail) rt.kernel.enqueue(target, message);
    rt.emit({
      type: 'mail-rerouted',
      at: rt.now(),
      agent: instanceId,
      to: peer,
      count: mail.length,
    });
    return;
  }
  const messages: unknown[] = [];
  for (const message of mail) {
    if (message instanceof CallEnvelope) {
      messages.push(message.message);
      message.reject(
        new AgentNotRunningError(instanceId, {
          message: `agent ${instanceId} was taken out of service with this call in its mailbox`,
        }),
      );
    } else messages.push(message);
  }
  rt.emit({ type: 'mail-dead-lettered', at: rt.now(), agent: instanceId, messages });
}
