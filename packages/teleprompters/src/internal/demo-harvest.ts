import type { Configuration, JsonValue, Random } from '@varplane/core';
import type { TeamSpace } from '../team-space';
import { agentsWithDemos, type DemoBuilder, demosTarget } from './demos';
import type { RunRecord } from './engine';
import { stableStringify } from './json';

/** How much more a run's demos weigh than those of the run batch before it. */
const RECENCY = 1.25;
/** Weights are scaled down past this, so they never overflow. */
const RESCALE_AT = 1e200;

/**
 * Demos bootstrapped from a search's own runs, as MIPRO bootstraps its demo candidates: each
 * agent's steps in runs that scored above 0, weighted by score and, more, by recency (the search's
 * later runs are of better teams). An agent's demos are drawn first from the runs of teams with
 * the same orchestration values as the team they are for (what an agent is handed depends on how
 * the team routes work), then from any run. Costs nothing: the runs are ones the search made.
 */
export interface DemoHarvest {
  /** Adds the demos of one candidate's runs. */
  observe(configuration: Configuration, records: readonly RunRecord[]): void;
  /** Whether any agent has harvested demos. */
  readonly ready: boolean;
  /**
   * The configuration with each harvested agent's demos replaced by up to its `maxCount`
   * harvested demos (drawn by weight, without repeats), before `check`.
   */
  apply(configuration: Configuration, random: Random): Record<string, JsonValue>;
  /**
   * The `perAgent` heaviest harvested demos of each agent, by the id of its demos variable: more
   * values the surrogate may choose for it.
   */
  candidates(perAgent: number): Record<string, JsonValue[]>;
}

interface Entry {
  readonly demo: JsonValue;
  weight: number;
  /** Weight per orchestration key (the team-level values of the run's candidate). */
  readonly byTeam: Map<string, number>;
}

export function createDemoHarvest(team: TeamSpace, builder: DemoBuilder): DemoHarvest {
  const agents = agentsWithDemos(team)
    .filter((agentId) => {
      const variable = team.variables.get(demosTarget(team, agentId) as string);
      return variable?.kind === 'demos' && variable.maxCount > 0;
    })
    .sort();
  const wanted = new Set(agents);
  const harvest = new Map<string, Map<string, Entry>>();
  const teamIds = team.variables.variables
    .map((variable) => variable.id)
    .filter((id) => team.locate(id)?.kind === 'orchestration');
  const teamKey = (configuration: Configuration) =>
    stableStringify(teamIds.map((id) => configuration[id] ?? null));
  let increment = 1;
  const entries = () => [...harvest.values()].flatMap((held) => [...held.values()]);

  /** Draws up to `count` entries by squared weight, without repeats. */
  const drawFrom = (pool: { demo: JsonValue; weight: number }[], count: number, random: Random) => {
    const chosen: JsonValue[] = [];
    const max = Math.max(0, ...pool.map((entry) => entry.weight));
    const weights = pool.map((entry) => (max > 0 ? (entry.weight / max) ** 2 : 0));
    const left = pool.map((_, i) => i);
    while (chosen.length < count && left.length > 0) {
      const uniform = left.every((i) => !((weights[i] as number) > 0));
      const at = random.pickWeighted(
        left.map((_, k) => k),
        left.map((i) => (uniform ? 1 : (weights[i] as number))),
      );
      chosen.push((pool[left[at] as number] as { demo: JsonValue }).demo);
      left.splice(at, 1);
    }
    return chosen;
  };

  return {
    get ready() {
      return harvest.size > 0;
    },
    observe(configuration, records) {
      const key = teamKey(configuration);
      for (const run of records) {
        if (run.failed || !(run.score > 0)) continue;
        for (const trace of run.traces) {
          if (!wanted.has(trace.agentId)) continue;
          const demo = builder(trace);
          if (demo === undefined) continue;
          const demoKey = stableStringify(demo);
          let held = harvest.get(trace.agentId);
          if (held === undefined) {
            held = new Map();
            harvest.set(trace.agentId, held);
          }
          let entry = held.get(demoKey);
          if (entry === undefined) {
            entry = { demo, weight: 0, byTeam: new Map() };
            held.set(demoKey, entry);
          }
          const gain = run.score * increment;
          entry.weight += gain;
          entry.byTeam.set(key, (entry.byTeam.get(key) ?? 0) + gain);
        }
      }
      increment *= RECENCY;
      if (increment > RESCALE_AT) {
        increment /= RESCALE_AT;
        for (const entry of entries()) {
          entry.weight /= RESCALE_AT;
          for (const [k, w] of entry.byTeam) entry.byTeam.set(k, w / RESCALE_AT);
        }
      }
    },
    candidates(perAgent) {
      const out: Record<string, JsonValue[]> = {};
      for (const agentId of agents) {
        const held = harvest.get(agentId);
        if (held === undefined) continue;
        out[demosTarget(team, agentId) as string] = [...held.values()]
          .sort((a, b) => b.weight - a.weight)
          .slice(0, perAgent)
          .map((entry) => entry.demo);
      }
      return out;
    },
    apply(configuration, random) {
      const raw: Record<string, JsonValue> = { ...configuration };
      const key = teamKey(configuration);
      for (const agentId of agents) {
        const held = harvest.get(agentId);
        const id = demosTarget(team, agentId) as string;
        if (held === undefined || !Object.hasOwn(configuration, id)) continue;
        const variable = team.variables.get(id);
        const maxCount = variable?.kind === 'demos' ? variable.maxCount : 0;
        const all = [...held.values()];
        const same = all
          .filter((entry) => (entry.byTeam.get(key) ?? 0) > 0)
          .map((entry) => ({ demo: entry.demo, weight: entry.byTeam.get(key) as number }));
        const chosen = drawFrom(same, maxCount, random);
        const rest = all.filter((entry) => !((entry.byTeam.get(key) ?? 0) > 0));
        chosen.push(...drawFrom(rest, maxCount - chosen.length, random));
        raw[id] = chosen;
      }
      return raw;
    },
  };
}
