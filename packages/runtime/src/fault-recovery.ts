import {
  type ErrorInfo,
  type ExitReason,
  type FaultRecoveryAction,
  type JsonValue,
  type OrchestrationVariable,
  updateMetrics,
} from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import type { Subscription } from 'rxjs';
import { AgentNotFoundError, SpaceOperationError } from './errors';
import type { SpaceRuntime } from './internal/space-runtime';
import { Tally } from './internal/space-runtime';
import { actionOf } from './space-agent';
import { setVariable } from './space-coordination';
import { takeOutOfService, toleranceOf } from './space-fault-tolerance';
import { startAgent, stopAgent } from './space-lifecycle';

/** Whatever a caller reports as the cause of a failure, as error data. */
export function failureInfo(reason: unknown): ErrorInfo {
  try {
    if (typeof reason === 'object' && reason !== null && 'error' in reason) {
      const inner = (reason as { error: unknown }).error;
      if (typeof inner === 'object' && inner !== null && 'message' in inner)
        return inner as ErrorInfo;
    }
  } catch {
    // A reason that cannot be read is described as a thrown value.
  }
  return toErrorInfo(reason);
}

/**
 * What the space does for a failure of `agentId`: the fault tolerance of the variable that
 * governs it (`graceful_degradation` and `failover` degrade, `retry` restarts, `fail_fast`
 * escalates), else the space's fault-recovery config.
 */
function actionFor(rt: SpaceRuntime, agentId: string): FaultRecoveryAction {
  const governed = toleranceOf(rt.space, agentId);
  if (governed === undefined) return actionOf(rt.space.faultRecovery, agentId);
  switch (governed.tolerance.strategy) {
    case 'graceful_degradation':
    case 'failover':
      return 'degrade';
    case 'retry':
      return 'restart';
    case 'fail_fast':
      return 'escalate';
  }
}

/**
 * Recovers from an agent's failure as the fault tolerance of its variable, or else the space's
 * fault-recovery config, says:
 * - `restart`: the agent is ended with the failure as its reason and its supervisor restarts it
 *   (restart intensity applies); the time to recover is measured into the space's metrics;
 * - `replace`: the agent stops and its id routes to its fallback agent;
 * - `degrade`: the agent stops and drops out of the topology; the others carry on; under a
 *   `failover` variable, the variable then switches to its fallback;
 * - `escalate`: the whole team restarts, in order;
 * - `ignore`: nothing changes.
 */
export async function recoverAgent(
  rt: SpaceRuntime,
  agentId: string,
  reason: unknown,
  tally: Tally,
): Promise<void> {
  if (rt.space.agents[agentId] === undefined) {
    throw new AgentNotFoundError(agentId, {
      message: `handleAgentFailure: no agent ${agentId} in space ${rt.space.id}`,
    });
  }
  const info = failureInfo(reason);
  switch (actionFor(rt, agentId)) {
    case 'restart':
      return restart(rt, agentId, info, tally);
    case 'replace':
      takeOutOfService(rt, agentId, agentId);
      await stopAgent(rt, agentId, tally, 'failed');
      return replace(rt, agentId, tally);
    case 'degrade':
      takeOutOfService(rt, agentId, agentId);
      await stopAgent(rt, agentId, tally, 'failed');
      await degrade(rt, agentId, tally);
      tally.ok();
      return;
    case 'escalate':
      return restartTeam(rt, info, tally);
    case 'ignore':
      tally.ok();
      return;
  }
}

async function restart(
  rt: SpaceRuntime,
  agentId: string,
  info: ErrorInfo,
  tally: Tally,
): Promise<void> {
  const cell = rt.kernel.cells.get(agentId);
  if (cell === undefined || !rt.isRunning(agentId)) {
    try {
      await startAgent(rt, agentId, tally);
      tally.ok();
    } catch (error) {
      tally.fail(error);
    }
    return;
  }
  const started = rt.now();
  const before = cell.restarts;
  rt.kernel.exits.exit(cell, { error: info });
  try {
    await rt.kernel.whenStarted(cell);
  } catch (error) {
    tally.fail(
      new SpaceOperationError({
        code: 'RECOVERY_FAILED',
        message: `agent ${agentId} did not come back after ${info.message}`,
        cause: error,
      }),
    );
    return;
  }
  tally.change(`agents.${agentId}.restarts`, before, cell.restarts, [agentId]);
  recordRecovery(rt, rt.now() - started);
  tally.ok();
}

/** Takes a failed agent out of the topology; under `failover`, switches its variable over. */
async function degrade(rt: SpaceRuntime, agentId: string, tally: Tally): Promise<void> {
  rt.topology.exclude(agentId, true);
  const governed = toleranceOf(rt.space, agentId);
  if (governed?.tolerance.strategy !== 'failover') return;
  const value = failoverValue(rt, governed.variable, agentId);
  if (value === undefined || JSON.stringify(value) === JSON.stringify(governed.variable.value))
    return;
  try {
    await setVariable(rt, governed.variable.id, value, tally);
  } catch (error) {
    tally.fail(error);
  }
}

/**
 * The value a `failover` variable switches to when `agentId` fails: its `fallbackValue`, or for an
 * agent selection, the selection with the failed agent's place given to the next agent of the
 * variable that is neither selected nor failed.
 */
function failoverValue(
  rt: SpaceRuntime,
  variable: OrchestrationVariable,
  agentId: string,
): JsonValue | undefined {
  const fallback = variable.faultTolerance?.fallbackValue;
  if (fallback !== undefined) return fallback;
  if (variable.type !== 'agent_selection' || !Array.isArray(variable.value)) return undefined;
  const selected = variable.value as string[];
  if (!selected.includes(agentId)) return undefined;
  const spare = variable.agents.find(
    (id) => !selected.includes(id) && rt.space.agents[id]?.status !== 'failed',
  );
  return selected.flatMap((id) => (id !== agentId ? [id] : spare === undefined ? [] : [spare]));
}

/** Folds one measured recovery time into the space's running average. */
function recordRecovery(rt: SpaceRuntime, ms: number): void {
  const metrics = rt.space.performanceMetrics;
  rt.recoveries++;
  const average = metrics.faultRecoveryTime + (ms - metrics.faultRecoveryTime) / rt.recoveries;
  rt.commit(updateMetrics(rt.space, { ...metrics, faultRecoveryTime: average }));
}

/** Routes a stopped agent's id to its fallback, starting the fallback if need be. */
async function replace(rt: SpaceRuntime, agentId: string, tally: Tally): Promise<void> {
  const { fallbacks } = rt.space.faultRecovery;
  const fallback = Object.hasOwn(fallbacks, agentId) ? fallbacks[agentId] : undefined;
  if (fallback === undefined) {
    tally.fail(
      new SpaceOperationError({
        code: 'RECOVERY_FAILED',
        message: `agent ${agentId} is to be replaced but faultRecovery.fallbacks names no fallback for it`,
      }),
    );
    return;
  }
  if (!rt.isRunning(fallback)) {
    try {
      await startAgent(rt, fallback, tally);
    } catch (error) {
      tally.fail(error);
      return;
    }
  }
  rt.replacements.set(agentId, fallback);
  rt.system.route(agentId, [fallback], 'round_robin');
  tally.change(`agents.${agentId}.route`, null, fallback, [agentId, fallback]);
  tally.ok();
}

async function restartTeam(rt: SpaceRuntime, info: ErrorInfo, tally: Tally): Promise<void> {
  rt.emit({
    type: 'supervisor-escalated',
    at: rt.now(),
    supervisor: rt.supervisor.ref.id,
    reason: info,
  });
  const running = Object.keys(rt.space.agents).filter((id) => rt.isRunning(id));
  for (const id of running.slice().reverse()) await stopAgent(rt, id, tally);
  for (const id of running) {
    try {
      await startAgent(rt, id, tally);
      tally.ok();
    } catch (error) {
      tally.fail(error);
    }
  }
}

/**
 * Follows agents that stop without the space asking: a failed agent's status becomes `failed`
 * (and it is replaced or dropped from the topology if its recovery action says so), an agent that
 * finished normally becomes `inactive`. Each such change is recorded as a `fault_detected`
 * adaptation. Plain restarts by the supervisor change nothing in the space value.
 */
export function watchFailures(rt: SpaceRuntime): Subscription {
  return rt.system.events$.subscribe((event) => {
    if (event.type !== 'agent-stopped' || rt.stopped || rt.expectedStops.has(event.agent)) return;
    if (event.agent === rt.supervisor.ref.id) {
      void rt.serial(async () => supervisorFailed(rt, event.reason));
      return;
    }
    const scaled = [...rt.instances.entries()].find(([, ids]) => ids.indexOf(event.agent) > 0);
    if (scaled !== undefined) {
      const [agentId, ids] = scaled;
      const rest = ids.filter((id) => id !== event.agent);
      if (rest.length > 1) {
        rt.instances.set(agentId, rest);
        rt.system.route(agentId, rest, rt.system.routeOf(agentId)?.kind ?? 'round_robin');
      } else {
        rt.instances.delete(agentId);
        rt.system.unroute(agentId);
      }
      return;
    }
    if (rt.space.agents[event.agent] === undefined) return;
    void rt.serial(() => agentStopped(rt, event.agent, event.reason));
  });
}

// Reactions run unattended: whatever goes wrong in one is recorded in its event, never thrown.
async function agentStopped(rt: SpaceRuntime, agentId: string, reason: ExitReason): Promise<void> {
  if (rt.stopped || rt.isRunning(agentId)) return;
  const tally = new Tally();
  try {
    if (reason === 'normal' || reason === 'shutdown') {
      rt.setStatus(agentId, 'inactive', tally);
    } else {
      rt.setStatus(agentId, 'failed', tally);
      const action = actionFor(rt, agentId);
      if (action === 'replace') await replace(rt, agentId, tally);
      if (action === 'degrade') await degrade(rt, agentId, tally);
    }
  } catch (error) {
    tally.fail(error);
  }
  if (tally.changes.length > 0 || tally.attempted > 0) {
    rt.syncPool();
    rt.record('faultRecovery', 'fault_detected', tally, 0);
  }
}

async function supervisorFailed(rt: SpaceRuntime, reason: ExitReason): Promise<void> {
  if (rt.stopped) return;
  const tally = new Tally();
  for (const id of Object.keys(rt.space.agents)) {
    if (rt.space.agents[id]?.status === 'active') rt.setStatus(id, 'failed', tally);
  }
  tally.fail(
    new SpaceOperationError({
      code: 'RECOVERY_FAILED',
      message: `the space's supervisor gave up (${typeof reason === 'object' ? reason.error.message : reason}); every agent is stopped`,
    }),
  );
  rt.syncPool();
  rt.record('faultRecovery', 'fault_detected', tally, 0);
  rt.stopped = true;
  rt.emit({ type: 'space-stopped', at: rt.now(), spaceId: rt.space.id });
}
