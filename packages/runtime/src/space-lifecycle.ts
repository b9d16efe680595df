import { AgentNotFoundError, AgentNotRunningError } from './errors';
import type { SpaceRuntime, Tally } from './internal/space-runtime';
import type { RouterKind } from './router';
import { childSpecOf, type SpaceAgentArgs } from './space-agent';
import { checkStart } from './space-constraints';
import { spaceDecider, takeOutOfService } from './space-fault-tolerance';
import { followedValues } from './space-followers';

/**
 * Starting, stopping and scaling the agents of a running space, through the space's supervisor
 * (ordered start, reverse ordered shutdown, each agent's restart type and shutdown timeout).
 */

function configOf(rt: SpaceRuntime, agentId: string) {
  const config = rt.space.agents[agentId];
  if (config === undefined)
    throw new AgentNotFoundError(agentId, {
      message: `no agent ${agentId} in space ${rt.space.id}`,
    });
  return config;
}

function hasChild(rt: SpaceRuntime, id: string): boolean {
  return (rt.supervisor.snapshot().children ?? []).some((child) => child.id === id);
}

async function startChild(rt: SpaceRuntime, agentId: string, instanceId: string): Promise<void> {
  const config = configOf(rt, agentId);
  const { behaviours } = rt.options;
  const behaviour = Object.hasOwn(behaviours, config.behaviour)
    ? behaviours[config.behaviour]
    : undefined;
  if (behaviour === undefined)
    throw new AgentNotFoundError(agentId, {
      message: `no behaviour ${config.behaviour} for ${agentId}`,
    });
  // A child known from before is stopped and forgotten first, so it starts from the current config.
  if (hasChild(rt, instanceId)) {
    await stopChild(rt, instanceId);
    if (hasChild(rt, instanceId)) await rt.supervisor.deleteChild(instanceId);
  }
  const spec = childSpecOf(config, behaviour, rt.space.faultRecovery, instanceId);
  const orchestration = followedValues(rt.space, agentId);
  rt.told.set(instanceId, JSON.stringify(orchestration));
  await rt.supervisor.startChild({
    ...spec,
    args: { ...(spec.args as SpaceAgentArgs), orchestration },
    decide: spaceDecider(rt, config, instanceId),
  });
}

async function stopChild(rt: SpaceRuntime, instanceId: string): Promise<void> {
  if (!hasChild(rt, instanceId)) return;
  rt.expectedStops.add(instanceId);
  try {
    await rt.supervisor.terminateChild(instanceId);
  } finally {
    rt.expectedStops.delete(instanceId);
  }
}

/**
 * Starts an agent that is not running; its status becomes `active`. A start that would break a
 * variable's constraint throws `ConstraintViolationError` and changes nothing. When the agent
 * cannot start, its status becomes `failed` and the error is thrown.
 */
export async function startAgent(rt: SpaceRuntime, agentId: string, tally: Tally): Promise<void> {
  const previous = configOf(rt, agentId).status;
  if (rt.isRunning(agentId)) {
    rt.setStatus(agentId, 'active', tally);
    return;
  }
  checkStart(rt, agentId);
  const fallback = rt.replacements.get(agentId);
  if (fallback !== undefined) {
    // Back in service: its id stops routing to the fallback.
    rt.replacements.delete(agentId);
    rt.system.unroute(agentId);
    tally.change(`agents.${agentId}.route`, fallback, null, [agentId, fallback]);
  }
  rt.setStatus(agentId, 'starting');
  try {
    await startChild(rt, agentId, agentId);
  } catch (error) {
    rt.setStatus(agentId, 'failed');
    tally.change(`agents.${agentId}.status`, previous, 'failed', [agentId]);
    throw error;
  }
  rt.topology.exclude(agentId, false);
  rt.setStatus(agentId, 'active');
  if (previous !== 'active')
    tally.change(`agents.${agentId}.status`, previous, 'active', [agentId]);
}

/**
 * Lets an agent (and its instances) finish what is queued before it stops: dispatches pass it by
 * meanwhile, and whatever is still queued after `timeoutMs` goes to a peer or is dead-lettered
 * with an event, never dropped.
 */
async function drain(rt: SpaceRuntime, agentId: string, timeoutMs: number): Promise<void> {
  const ids = rt.instances.get(agentId) ?? [agentId];
  const working = (id: string) => {
    const cell = rt.kernel.cells.get(id);
    return cell !== undefined && cell.alive && (cell.mailSize > 0 || cell.busy);
  };
  let expired = false;
  const timer = rt.system.clock.setTimeout(() => {
    expired = true;
  }, timeoutMs);
  try {
    // The kernel keeps no per-agent idle signal; a drain is rare, so it looks between turns.
    while (!expired && !rt.stopped && ids.some(working))
      await new Promise((resolve) => setImmediate(resolve));
  } finally {
    rt.system.clock.clearTimeout(timer);
  }
  for (const id of ids) takeOutOfService(rt, agentId, id, false);
}

/**
 * Stops an agent and its scaled instances for good; its status becomes `inactive` (or `status`).
 * With `drainMs`, it first finishes its queued work (see {@link drain}).
 */
export async function stopAgent(
  rt: SpaceRuntime,
  agentId: string,
  tally: Tally,
  status: 'inactive' | 'failed' = 'inactive',
  drainMs?: number,
): Promise<void> {
  configOf(rt, agentId);
  if (drainMs === undefined || !rt.isRunning(agentId)) return stopNow(rt, agentId, tally, status);
  // Draining until stopped: a dispatch in between would land in a mailbox about to go.
  rt.draining.add(agentId);
  try {
    await drain(rt, agentId, drainMs);
    await stopNow(rt, agentId, tally, status);
  } finally {
    rt.draining.delete(agentId);
  }
}

async function stopNow(
  rt: SpaceRuntime,
  agentId: string,
  tally: Tally,
  status: 'inactive' | 'failed',
): Promise<void> {
  const instances = rt.instances.get(agentId);
  if (instances !== undefined) {
    rt.system.unroute(agentId);
    rt.instances.delete(agentId);
    for (const id of instances.slice(1).reverse()) await stopChild(rt, id);
  }
  const previous = configOf(rt, agentId).status;
  rt.setStatus(agentId, 'stopping');
  await stopChild(rt, agentId);
  rt.setStatus(agentId, status);
  if (previous !== status) tally.change(`agents.${agentId}.status`, previous, status, [agentId]);
}

/** Stops and starts an agent, so its `init` sees the space's current config. */
export async function restartAgent(rt: SpaceRuntime, agentId: string, tally: Tally): Promise<void> {
  const instances = rt.instances.get(agentId)?.length ?? 1;
  const kind = rt.system.routeOf(agentId)?.kind ?? 'round_robin';
  await stopAgent(rt, agentId, tally);
  await startAgent(rt, agentId, tally);
  if (instances > 1) await scaleTo(rt, agentId, instances, kind, tally);
}

/**
 * Runs `count` instances of an agent behind a router: the agent itself and `id:2`, `id:3`...
 * Returns how many ran before. Instances reserve their own resources, so the pool decides how far
 * an agent can scale; when it runs out, the instances that did start stay and the error is thrown.
 */
export async function scaleTo(
  rt: SpaceRuntime,
  agentId: string,
  count: number,
  kind: RouterKind,
  tally: Tally,
): Promise<number> {
  configOf(rt, agentId);
  if (!rt.isRunning(agentId))
    throw new AgentNotRunningError(agentId, {
      message: `cannot scale ${agentId}: it is not running`,
    });
  const current = rt.instances.get(agentId) ?? [agentId];
  const previous = current.length;
  const target = Math.max(1, Math.floor(count));
  const ids = current.slice();
  let failure: unknown;
  while (ids.length < target) {
    const id = `${agentId}:${nextInstance(ids, agentId)}`;
    try {
      await startChild(rt, agentId, id);
      ids.push(id);
    } catch (error) {
      failure = error;
      break;
    }
  }
  while (ids.length > target) await stopChild(rt, ids.pop() as string);
  if (ids.length > 1) {
    rt.instances.set(agentId, ids);
    rt.system.route(agentId, ids, kind);
  } else {
    rt.instances.delete(agentId);
    rt.system.unroute(agentId);
  }
  if (ids.length !== previous) {
    tally.change(`agents.${agentId}.instances`, previous, ids.length, [agentId]);
    rt.emit({
      type: 'agent-scaled',
      at: rt.now(),
      agent: agentId,
      instances: ids.length,
      previous,
    });
  }
  if (failure !== undefined) throw failure;
  return previous;
}

function nextInstance(ids: readonly string[], agentId: string): number {
  let n = 2;
  while (ids.includes(`${agentId}:${n}`)) n++;
  return n;
}
