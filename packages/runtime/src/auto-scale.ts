import type { ScalingPolicy } from '@varplane/core';
import { RUNNING } from './internal/cell';
import type { SpaceRuntime, Tally } from './internal/space-runtime';
import { scaleTo } from './space-lifecycle';
import type { ScalingMetric } from './space-validation';

/**
 * The value of a scaling policy's metric over an agent's instances:
 * - `mailboxDepth`: messages waiting, per instance;
 * - `utilization`: share of instances with work (mail waiting or a message in hand), in [0, 1];
 * - `errorRate`: errors per message handled since the last autoscale;
 * - `restarts`: restarts since the last autoscale.
 */
export function measureScaling(rt: SpaceRuntime, agentId: string, metric: ScalingMetric): number {
  const ids = rt.instances.get(agentId) ?? [agentId];
  let depth = 0;
  let working = 0;
  let handled = 0;
  let errors = 0;
  let restarts = 0;
  for (const id of ids) {
    const cell = rt.kernel.cells.get(id);
    if (cell === undefined) continue;
    depth += cell.mailSize;
    if (cell.mailSize > 0 || (cell.busy && cell.status === RUNNING)) working++;
    handled += cell.handled;
    errors += cell.errors;
    restarts += cell.restarts;
  }
  const last = rt.lastCounters.get(agentId) ?? { handled: 0, errors: 0, restarts: 0 };
  switch (metric) {
    case 'mailboxDepth':
      return depth / ids.length;
    case 'utilization':
      return working / ids.length;
    case 'errorRate':
      return Math.max(0, errors - last.errors) / Math.max(1, handled - last.handled);
    case 'restarts':
      return Math.max(0, restarts - last.restarts);
  }
}

function remember(rt: SpaceRuntime, agentId: string): void {
  const ids = rt.instances.get(agentId) ?? [agentId];
  const totals = { handled: 0, errors: 0, restarts: 0 };
  for (const id of ids) {
    const cell = rt.kernel.cells.get(id);
    if (cell === undefined) continue;
    totals.handled += cell.handled;
    totals.errors += cell.errors;
    totals.restarts += cell.restarts;
  }
  rt.lastCounters.set(agentId, totals);
}

/**
 * Applies every scaling policy once: above `scaleUpThreshold` an agent gains `step` instances (up
 * to `maxInstances`), below `scaleDownThreshold` it loses `step` (down to `minInstances`, at
 * least one), never twice within `cooldownMs`. Returns whether anything scaled up.
 */
export async function autoScale(rt: SpaceRuntime, tally: Tally): Promise<'up' | 'down' | 'none'> {
  let direction: 'up' | 'down' | 'none' = 'none';
  for (const policy of rt.space.scalingPolicies) {
    const decided = decide(rt, policy);
    remember(rt, policy.agent);
    if (decided === undefined) continue;
    try {
      await scaleTo(rt, policy.agent, decided.target, policy.router, tally);
      tally.ok();
    } catch (error) {
      tally.fail(error);
    }
    rt.lastScaledAt.set(policy.agent, rt.now());
    if (decided.up) direction = 'up';
    else if (direction === 'none') direction = 'down';
  }
  return direction;
}

function decide(
  rt: SpaceRuntime,
  policy: ScalingPolicy,
): { target: number; up: boolean } | undefined {
  if (!rt.isRunning(policy.agent)) return undefined;
  const last = rt.lastScaledAt.get(policy.agent);
  if (last !== undefined && rt.now() - last < policy.cooldownMs) return undefined;
  const value = measureScaling(rt, policy.agent, policy.metric as ScalingMetric);
  const current = rt.instances.get(policy.agent)?.length ?? 1;
  const floor = Math.max(1, policy.minInstances);
  if (value > policy.scaleUpThreshold && current < policy.maxInstances) {
    return { target: Math.min(policy.maxInstances, current + policy.step), up: true };
  }
  if (value < policy.scaleDownThreshold && current > floor) {
    return { target: Math.max(floor, current - policy.step), up: false };
  }
  return undefined;
}
