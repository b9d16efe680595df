/** The label agents past the cap share. */
export const OTHER_AGENTS = '_other';

/**
 * Keeps per-agent labels bounded: the first `max` agents seen keep a label of their own for as long
 * as the exporter lives (so their series never churn); later agents share {@link OTHER_AGENTS}.
 */
export interface AgentLabels {
  labelOf(agent: string): string;
  /** Agents with a label of their own, in the order they got it. */
  named(): readonly string[];
}

export function createAgentLabels(max: number): AgentLabels {
  const named = new Set<string>();
  return {
    labelOf(agent) {
      if (named.has(agent)) return agent;
      if (named.size < max) {
        named.add(agent);
        return agent;
      }
      return OTHER_AGENTS;
    },
    named: () => [...named],
  };
}
