import type { RunRecord } from './engine';

/** Pseudo-runs at a task type's mean that an agent's mean on it is shrunk with. */
const PRIOR = 4;

/**
 * How well each agent answers each task type, read from traces: a run's score is credited to
 * the agent whose step came last (the one whose answer the team gave), under the example's task
 * type, across every team that ran. An agent is then judged on the work it did, in whatever
 * team it was, so a move can hand a task type to the agent that answers it best.
 */
export interface TypeCredit {
  add(record: RunRecord, taskType: string | undefined): void;
  /** The agent's mean on the type, shrunk toward the type's mean; undefined before any run. */
  score(agentId: string, taskType: string): number | undefined;
  /** Of `agents`, the one with the best score on the type (undefined when none has run it). */
  best(taskType: string, agents: Iterable<string>): string | undefined;
}

export function createTypeCredit(): TypeCredit {
  const cells = new Map<string, Map<string, { sum: number; count: number }>>();
  const types = new Map<string, { sum: number; count: number }>();
  const score = (agentId: string, taskType: string) => {
    const cell = cells.get(taskType)?.get(agentId);
    const type = types.get(taskType);
    if (cell === undefined || type === undefined) return undefined;
    return (cell.sum + (PRIOR * type.sum) / type.count) / (cell.count + PRIOR);
  };
  return {
    add(record, taskType) {
      if (taskType === undefined || record.traces.length === 0) return;
      let last = record.traces[0];
      for (const trace of record.traces)
        if (last === undefined || trace.step >= last.step) last = trace;
      if (last === undefined) return;
      let byAgent = cells.get(taskType);
      if (byAgent === undefined) {
        byAgent = new Map();
        cells.set(taskType, byAgent);
      }
      const cell = byAgent.get(last.agentId) ?? { sum: 0, count: 0 };
      cell.sum += record.score;
      cell.count++;
      byAgent.set(last.agentId, cell);
      const type = types.get(taskType) ?? { sum: 0, count: 0 };
      type.sum += record.score;
      type.count++;
      types.set(taskType, type);
    },
    score,
    best(taskType, agents) {
      let top: string | undefined;
      let topScore = Number.NEGATIVE_INFINITY;
      for (const agentId of agents) {
        const value = score(agentId, taskType);
        if (value !== undefined && value > topScore) {
          top = agentId;
          topScore = value;
        }
      }
      return top;
    },
  };
}
