import {
  type AgentDirective,
  adapt,
  type CoordinationContext,
  coordinate,
  type JsonValue,
  type OrchestrationVariable,
  type PerformanceMetrics,
  replaceOrchestrationVariable,
  setVariableValue,
  updateMetrics,
} from '@varplane/core';
import type { SpaceRuntime, Tally } from './internal/space-runtime';
import { applyDirectives } from './space-directives';

/** What coordination sees of the running team. */
function contextFor(rt: SpaceRuntime, variable: OrchestrationVariable): CoordinationContext {
  const agents: Record<string, { status: string; role: string }> = {};
  for (const [id, config] of Object.entries(rt.space.agents))
    agents[id] = { status: config.status, role: config.role };
  const context: CoordinationContext = { agents, metrics: rt.space.performanceMetrics };
  const previous = rt.coordinated.get(variable.id);
  if (previous !== undefined) context.previousValue = previous;
  return context;
}

/**
 * The variable's directives at its current value. When that coordination fails under a `failover`
 * tolerance with a `fallbackValue`, the variable switches to the fallback and coordinates there;
 * the failure still counts in the tally, so the outcome says what happened.
 */
async function directivesOf(
  rt: SpaceRuntime,
  variable: OrchestrationVariable,
  tally: Tally,
): Promise<{ variable: OrchestrationVariable; directives: AgentDirective[] }> {
  try {
    const directives = await coordinate(
      variable,
      variable.value,
      contextFor(rt, variable),
      rt.runOptions(),
    );
    return { variable, directives };
  } catch (error) {
    const tolerance = variable.faultTolerance;
    const fallback = tolerance?.strategy === 'failover' ? tolerance.fallbackValue : undefined;
    if (fallback === undefined || JSON.stringify(fallback) === JSON.stringify(variable.value))
      throw error;
    tally.fail(error);
    rt.commit(setVariableValue(rt.space, variable.id, fallback));
    const next = rt.space.orchestrationVariables[variable.id] as OrchestrationVariable;
    const directives = await coordinate(next, next.value, contextFor(rt, next), rt.runOptions());
    return { variable: next, directives };
  }
}

/**
 * Turns one variable's current value into directives and applies them. `oldValue` is what the
 * change is recorded from (the last coordinated value, or the value before a `setVariable`).
 */
export async function coordinateVariable(
  rt: SpaceRuntime,
  variable: OrchestrationVariable,
  oldValue: unknown,
  tally: Tally,
): Promise<void> {
  let result: Awaited<ReturnType<typeof directivesOf>>;
  try {
    result = await directivesOf(rt, variable, tally);
  } catch (error) {
    tally.fail(error);
    return;
  }
  const { directives } = result;
  rt.coordinated.set(variable.id, result.variable.value);
  const affected = [...new Set(directives.map((d) => d.agent))];
  tally.change(variable.id, oldValue, result.variable.value, affected);
  await applyDirectives(rt, directives, tally);
}

/** Every orchestration variable, coordinated at its current value, directives applied by priority. */
export async function coordinateAll(rt: SpaceRuntime, tally: Tally): Promise<void> {
  const directives = [];
  for (const variable of Object.values(rt.space.orchestrationVariables)) {
    try {
      const result = await directivesOf(rt, variable, tally);
      const produced = result.directives;
      const previous = rt.coordinated.get(variable.id) ?? null;
      rt.coordinated.set(variable.id, result.variable.value);
      tally.change(variable.id, previous, result.variable.value, [
        ...new Set(produced.map((d) => d.agent)),
      ]);
      directives.push(...produced);
    } catch (error) {
      tally.fail(error);
    }
  }
  // All variables' directives together, so priority orders them across variables too.
  await applyDirectives(rt, directives, tally);
}

/** Sets a variable's value (checked against its domain) and re-coordinates its agents. */
export async function setVariable(
  rt: SpaceRuntime,
  variableId: string,
  value: unknown,
  tally: Tally,
): Promise<void> {
  const before = rt.space.orchestrationVariables[variableId]?.value;
  rt.commit(setVariableValue(rt.space, variableId, value));
  const variable = rt.space.orchestrationVariables[variableId] as OrchestrationVariable;
  await coordinateVariable(rt, variable, before as JsonValue, tally);
}

/**
 * Records the measured metrics, adapts every variable to them, and re-coordinates each variable
 * whose value moved.
 */
export async function adaptAll(
  rt: SpaceRuntime,
  metrics: PerformanceMetrics,
  tally: Tally,
): Promise<void> {
  rt.commit(updateMetrics(rt.space, metrics));
  for (const variable of Object.values(rt.space.orchestrationVariables)) {
    let adapted: OrchestrationVariable;
    try {
      adapted = await adapt(variable, rt.space.performanceMetrics, rt.runOptions());
    } catch (error) {
      tally.fail(error);
      continue;
    }
    if (adapted === variable) continue;
    rt.commit(replaceOrchestrationVariable(rt.space, adapted));
    if (JSON.stringify(adapted.value) === JSON.stringify(variable.value)) {
      tally.change(variable.id, variable.value, adapted.value, []);
      continue;
    }
    await coordinateVariable(rt, adapted, variable.value, tally);
  }
}
