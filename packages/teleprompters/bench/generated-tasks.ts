/**
 * A generator of team tasks whose true value has a closed form and whose optimum is found by
 * exact enumeration, so optimizers are judged on many tasks none of them was tuned on.
 *
 * Each task is a team of specialists (each best at one task type) and decoys (passable at
 * everything, expensive, best at nothing), seen through a mix of task types. A candidate's chance
 * of answering a task of type t is a function of:
 * - the selection (`team.active`, at most `maxActive` agents) and the topology: `star` routes a
 *   task to the selected agent best at its type with the hub's routing accuracy (else the hub
 *   does it); `ring` passes it along the selected agents, each handoff losing some of the chance;
 *   `mesh` has every selected agent answer, each one's chance cut by the cost of talking;
 * - the hub (`team.hub`, a conditional variable, active only in a star);
 * - the budget plan (`team.budget`): an agent whose share of the budget is below what its load of
 *   work needs is starved in proportion (shares of agents not selected are wasted);
 * - each agent's temperature (a sweet spot per agent);
 * - each agent's demos: a curated demo of type t helps that agent on t and costs it a little
 *   elsewhere; a demo made from one of its own correct runs of type t helps a little less.
 * Everything is monotone in each agent's chance, so the sweet spot is optimal and only demo sets
 * not dominated on every type need enumerating: the optimum is exact.
 */
import {
  addOrchestrationVariable,
  agentSelection,
  type Configuration,
  choice,
  communicationTopology,
  createMultiAgentSpace,
  createRandom,
  createVariableSpace,
  custom,
  demos,
  float,
  type JsonValue,
  type MultiAgentSpace,
  type Random,
  registerAgent,
  resourceAllocation,
  type TraceRecord,
} from '@varplane/core';
import type { TeamExample, TeamMetric, TeamRunner, TeamRunRequest, TeamRunResult } from '../src';

/** The knobs of one generated task. */
export interface TaskKnobs {
  readonly specialists: number;
  readonly decoys: number;
  readonly types: number;
  readonly maxActive: number;
  readonly poolSize: number;
  readonly maxDemos: number;
  readonly plans: number;
}

interface Agent {
  readonly id: string;
  readonly decoy: boolean;
  readonly skill: readonly number[];
  readonly sweetSpot: number;
  readonly routing: number;
  readonly need: number;
  /** Gain on its type of a demo made from its own correct run. */
  readonly harvestGain: number;
}

interface CuratedDemo {
  readonly key: string;
  readonly type: number;
  readonly gain: number;
  readonly cost: number;
}

type Values = Readonly<Record<string, JsonValue>>;

/** A generated task: the team, its examples, its closed-form value and its exact optimum. */
export interface GeneratedTask {
  readonly name: string;
  readonly knobs: TaskKnobs;
  readonly space: MultiAgentSpace;
  readonly trainset: readonly TeamExample[];
  readonly valset: readonly TeamExample[];
  readonly metric: TeamMetric;
  /** The true expected accuracy of a joint configuration over the task mix. */
  value(configuration: Values): number;
  readonly optimum: { readonly value: number; readonly configuration: Values };
  /** A runner of zero latency whose luck comes from the run's seed. */
  runner(): TeamRunner;
}

const TOPOLOGIES = ['star', 'ring', 'mesh'] as const;
const HANDOFF = 0.6;
const MESH_COST = 0.12;
const HUB_LOAD = 0.25;
const DEMO_COST = 0.04;
const TEMPERATURE_CURVE = 1.6;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function knobsFor(random: Random): TaskKnobs {
  const types = random.int(2, 4);
  return {
    specialists: random.int(Math.max(3, types), 6),
    decoys: random.int(0, 2),
    types,
    maxActive: random.int(2, 3),
    poolSize: random.int(3, 5),
    maxDemos: random.int(2, 3),
    plans: random.int(2, 4),
  };
}

/** Task number `index` of the family (the same index always gives the same task). */
export function generateTask(index: number): GeneratedTask {
  const random = createRandom(0x7a5c + index * 7919);
  const knobs = knobsFor(random);
  const typeNames = Array.from({ length: knobs.types }, (_, t) => `type${t}`);
  const rawMix = typeNames.map(() => 0.2 + random.next());
  const mixTotal = rawMix.reduce((a, b) => a + b, 0);
  const mix = rawMix.map((w) => w / mixTotal);
  const topologyFit = TOPOLOGIES.map(() => typeNames.map(() => round3(0.8 + 0.25 * random.next())));

  const agents: Agent[] = [];
  for (let i = 0; i < knobs.specialists; i++) {
    const own = i % knobs.types;
    agents.push({
      id: `s${i}`,
      decoy: false,
      skill: typeNames.map((_, t) =>
        round3(t === own ? 0.7 + 0.25 * random.next() : 0.1 + 0.3 * random.next()),
      ),
      sweetSpot: round3(0.1 + 1.2 * random.next()),
      routing: round3(0.55 + 0.4 * random.next()),
      need: round3(0.8 + 0.8 * random.next()),
      harvestGain: round3(0.02 + 0.08 * random.next()),
    });
  }
  for (let i = 0; i < knobs.decoys; i++) {
    agents.push({
      id: `d${i}`,
      decoy: true,
      skill: typeNames.map(() => round3(0.45 + 0.15 * random.next())),
      sweetSpot: round3(0.1 + 1.2 * random.next()),
      routing: round3(0.3 + 0.3 * random.next()),
      need: round3(1.6 + 0.8 * random.next()),
      harvestGain: 0.01,
    });
  }
  const ids = random.shuffle(agents.map((agent) => agent.id));
  const ordered = ids.map((id) => agents.find((agent) => agent.id === id) as Agent);
  const byId = new Map(ordered.map((agent) => [agent.id, agent]));
  const budgetTotal = round3(2 + 2 * random.next());

  const plans: Record<string, Record<string, number>> = {};
  for (let p = 0; p < knobs.plans; p++) {
    const favoured = new Set(random.shuffle(ids).slice(0, random.int(2, Math.min(3, ids.length))));
    const plan: Record<string, number> = {};
    for (const id of ids)
      plan[id] = round3(favoured.has(id) ? 0.5 + random.next() : 0.1 * random.next());
    plans[`plan${p}`] = plan;
  }
  const curated = new Map<string, CuratedDemo[]>();
  for (const agent of ordered) {
    curated.set(
      agent.id,
      Array.from({ length: knobs.poolSize }, (_, k) => ({
        key: `${agent.id}-demo${k}`,
        type: random.int(0, knobs.types - 1),
        gain: round3(0.03 + 0.17 * random.next()),
        cost: round3(0.02 + 0.08 * random.next()),
      })),
    );
  }

  // The team.
  let space = createMultiAgentSpace({ id: `generated_${index}`, topology: 'custom' });
  const pools = new Map<string, JsonValue[]>();
  for (const agent of ordered) {
    const pool = (curated.get(agent.id) as CuratedDemo[]).map(
      (demo): JsonValue => ({
        inputs: { question: `worked example ${demo.key}` },
        labels: { answer: `ok-${typeNames[demo.type]}`, taskType: typeNames[demo.type] as string },
        curated: demo.key,
      }),
    );
    pools.set(agent.id, pool);
    space = registerAgent(
      space,
      { id: agent.id, behaviour: 'worker' },
      {
        localVariables: createVariableSpace([
          float('temperature', { range: [0, 1.5], default: 0.75, precision: 3 }),
          demos('demos', { maxCount: knobs.maxDemos, pool }),
        ]),
      },
    );
  }
  space = addOrchestrationVariable(
    space,
    agentSelection('active', {
      agents: ids,
      default: [ids[0] as string],
      constraints: { maxConcurrent: knobs.maxActive },
    }),
  );
  space = addOrchestrationVariable(
    space,
    communicationTopology('topology', { agents: ids, patterns: [...TOPOLOGIES], default: 'ring' }),
  );
  space = addOrchestrationVariable(
    space,
    custom('hub', {
      agents: ids,
      domain: choice('hub', {
        choices: ids,
        default: ids[0] as string,
        condition: { variable: 'topology', when: { equals: 'star' } },
      }),
      // The simulated team reads the hub from its configuration; nothing to direct.
      coordination: () => [],
    }),
  );
  space = addOrchestrationVariable(
    space,
    resourceAllocation('budget', { agents: ids, resource: 'tokens', total: 1, plans }),
  );
  const allPlans: Record<string, Record<string, number>> = {
    equal: Object.fromEntries(ids.map((id) => [id, 1 / ids.length])),
    ...plans,
  };
  const shareOf = (plan: string, id: string) => {
    const shares = allPlans[plan] as Record<string, number>;
    const total = Object.values(shares).reduce((a, b) => a + b, 0);
    return (shares[id] ?? 0) / total;
  };

  /** Each agent's demo factor on each type. */
  const demoFactors = (agentId: string, held: readonly JsonValue[]): number[] => {
    const agent = byId.get(agentId) as Agent;
    const table = curated.get(agentId) as CuratedDemo[];
    const factors = typeNames.map(() => 1);
    for (const item of held) {
      const demo = item as { curated?: string; labels?: { answer?: unknown; taskType?: unknown } };
      const known =
        demo.curated === undefined ? undefined : table.find((d) => d.key === demo.curated);
      let type = -1;
      let gain = 0;
      let cost = DEMO_COST;
      if (known !== undefined) {
        type = known.type;
        gain = known.gain;
        cost = known.cost;
      } else if (
        typeof demo.labels?.answer === 'string' &&
        demo.labels.answer.startsWith('ok-') &&
        typeof demo.labels.taskType === 'string'
      ) {
        type = typeNames.indexOf(demo.labels.taskType);
        gain = agent.harvestGain;
      }
      for (let t = 0; t < factors.length; t++) {
        factors[t] = (factors[t] as number) * (t === type ? 1 + gain : 1 - cost);
      }
    }
    return factors;
  };

  interface Plan {
    readonly active: readonly string[];
    readonly topology: string;
    readonly hub: string;
    readonly budget: string;
  }
  const planOf = (c: Values): Plan => ({
    active: c['team.active'] as string[],
    topology: c['team.topology'] as string,
    hub: (c['team.hub'] as string | undefined) ?? '',
    budget: c['team.budget'] as string,
  });

  /** Where each type's tasks go in a star: the best selected agent, else the hub. */
  const starRoutes = (plan: Plan) =>
    typeNames.map((_, t) => {
      let best = plan.active[0] as string;
      for (const id of plan.active) {
        if (
          ((byId.get(id) as Agent).skill[t] as number) >
          ((byId.get(best) as Agent).skill[t] as number)
        )
          best = id;
      }
      const hubActive = plan.active.includes(plan.hub);
      const accuracy = hubActive ? (byId.get(plan.hub) as Agent).routing : 0;
      const fallback = hubActive ? plan.hub : (plan.active[0] as string);
      return { best, fallback, accuracy };
    });

  /** Expected share of all tasks each selected agent works on. */
  const loads = (plan: Plan): Map<string, number> => {
    const load = new Map(plan.active.map((id) => [id, 0]));
    if (plan.topology === 'star') {
      starRoutes(plan).forEach((route, t) => {
        const w = mix[t] as number;
        load.set(route.best, (load.get(route.best) as number) + w * route.accuracy);
        load.set(route.fallback, (load.get(route.fallback) as number) + w * (1 - route.accuracy));
      });
      if (plan.active.includes(plan.hub))
        load.set(plan.hub, (load.get(plan.hub) as number) + HUB_LOAD);
    } else if (plan.topology === 'ring') {
      plan.active.forEach((id, k) => {
        load.set(id, HANDOFF ** k);
      });
    } else {
      for (const id of plan.active) load.set(id, 1);
    }
    return load;
  };

  /** The chance of each selected agent on each type before demos. */
  const baseChances = (plan: Plan, temperatures: ReadonlyMap<string, number>) => {
    const load = loads(plan);
    const out = new Map<string, number[]>();
    const fit = topologyFit[
      TOPOLOGIES.indexOf(plan.topology as (typeof TOPOLOGIES)[number])
    ] as number[];
    for (const id of plan.active) {
      const agent = byId.get(id) as Agent;
      const temperature = temperatures.get(id) as number;
      const warmth = Math.max(0.2, 1 - TEMPERATURE_CURVE * (temperature - agent.sweetSpot) ** 2);
      const work = load.get(id) as number;
      const funded =
        work <= 0
          ? 1
          : Math.min(1, Math.sqrt((shareOf(plan.budget, id) * budgetTotal) / (agent.need * work)));
      out.set(
        id,
        agent.skill.map((skill, t) => skill * warmth * funded * (fit[t] as number)),
      );
    }
    return out;
  };

  const chanceOf = (plan: Plan, q: ReadonlyMap<string, readonly number[]>, t: number): number => {
    const at = (id: string) => Math.min(1, (q.get(id) as readonly number[])[t] as number);
    if (plan.topology === 'star') {
      const route = starRoutes(plan)[t] as ReturnType<typeof starRoutes>[number];
      return route.accuracy * at(route.best) + (1 - route.accuracy) * at(route.fallback);
    }
    if (plan.topology === 'ring') {
      let missed = 1;
      let chance = 0;
      plan.active.forEach((id, k) => {
        const p = at(id);
        chance += missed * HANDOFF ** k * p;
        missed *= 1 - p;
      });
      return chance;
    }
    const talk = 1 - MESH_COST * (plan.active.length - 1);
    let allMiss = 1;
    for (const id of plan.active) allMiss *= 1 - at(id) * talk;
    return 1 - allMiss;
  };

  const chances = (c: Values): number[] => {
    const plan = planOf(c);
    if (plan.active.length === 0) return typeNames.map(() => 0);
    const temperatures = new Map(plan.active.map((id) => [id, c[`${id}.temperature`] as number]));
    const base = baseChances(plan, temperatures);
    const q = new Map<string, number[]>();
    for (const id of plan.active) {
      const factors = demoFactors(id, (c[`${id}.demos`] as JsonValue[] | undefined) ?? []);
      q.set(
        id,
        (base.get(id) as number[]).map((x, t) => x * (factors[t] as number)),
      );
    }
    return typeNames.map((_, t) => chanceOf(plan, q, t));
  };
  const value = (c: Values) => chances(c).reduce((sum, p, t) => sum + p * (mix[t] as number), 0);

  // Exact optimum. Every chance is monotone in each agent's per-type chance, so temperatures sit
  // at their sweet spots and only demo sets whose factors no other set beats on every type count.
  const demoChoices = new Map<string, { held: JsonValue[]; factors: number[] }[]>();
  for (const agent of ordered) {
    const table = curated.get(agent.id) as CuratedDemo[];
    const poolItems = pools.get(agent.id) as JsonValue[];
    const options: { held: JsonValue[]; factors: number[] }[] = [];
    const harvested = (type: number, n: number, at: number): JsonValue[] =>
      Array.from({ length: n }, (_, k) => ({
        inputs: { question: `own run ${at + k}` },
        labels: { answer: `ok-${typeNames[type]}`, taskType: typeNames[type] as string },
      }));
    const subsets = (from: number, size: number): number[][] => {
      if (size === 0) return [[]];
      const out: number[][] = [];
      for (let i = from; i < table.length; i++) {
        for (const rest of subsets(i + 1, size - 1)) out.push([i, ...rest]);
      }
      return out;
    };
    // Harvested demos: every multiset of types that fits beside the curated ones.
    const multisets = (from: number, size: number): number[][] => {
      if (size === 0) return [[]];
      const out: number[][] = [];
      for (let type = from; type < knobs.types; type++) {
        for (const rest of multisets(type, size - 1)) out.push([type, ...rest]);
      }
      return out;
    };
    for (let size = 0; size <= knobs.maxDemos; size++) {
      for (const subset of subsets(0, size)) {
        const curatedHeld = subset.map((i) => poolItems[i] as JsonValue);
        for (let extra = 0; extra <= knobs.maxDemos - size; extra++) {
          for (const types of multisets(0, extra)) {
            const held = [...curatedHeld, ...types.flatMap((type, k) => harvested(type, 1, k))];
            options.push({ held, factors: demoFactors(agent.id, held) });
          }
        }
      }
    }
    const frontier = options.filter(
      (a) =>
        !options.some(
          (b) =>
            b !== a &&
            b.factors.every((f, t) => f >= (a.factors[t] as number)) &&
            b.factors.some((f, t) => f > (a.factors[t] as number)),
        ),
    );
    // Equal factors: keep one.
    const unique = new Map(frontier.map((entry) => [entry.factors.join(','), entry]));
    demoChoices.set(agent.id, [...unique.values()]);
  }
  const sweet = new Map(ordered.map((agent) => [agent.id, agent.sweetSpot]));
  const selections: string[][] = [];
  const choose = (from: number, picked: string[]) => {
    if (picked.length > 0) selections.push([...picked]);
    if (picked.length === knobs.maxActive) return;
    for (let i = from; i < ids.length; i++) choose(i + 1, [...picked, ids[i] as string]);
  };
  choose(0, []);
  let bestValue = -1;
  let bestPlan: Plan | undefined;
  let bestDemos: JsonValue[][] = [];
  const T = knobs.types;
  for (const active of selections) {
    const options = active.map(
      (id) => demoChoices.get(id) as { held: JsonValue[]; factors: number[] }[],
    );
    for (const budget of Object.keys(allPlans)) {
      const layouts: Plan[] = [
        { active, topology: 'ring', hub: '', budget },
        { active, topology: 'mesh', hub: '', budget },
        ...ids.map((hub) => ({ active, topology: 'star', hub, budget })),
      ];
      for (const plan of layouts) {
        const base = baseChances(plan, sweet);
        // p[k][o][t]: agent k's chance on type t with its demo option o.
        const p = active.map((id, k) =>
          (options[k] as { factors: number[] }[]).map((option) =>
            (base.get(id) as number[]).map((x, t) =>
              Math.min(1, x * (option.factors[t] as number)),
            ),
          ),
        );
        const pick = new Array<number>(active.length).fill(0);
        let v = 0;
        if (plan.topology === 'star') {
          // Linear in each agent's chances: every agent's demos are chosen on their own.
          const routes = starRoutes(plan);
          active.forEach((id, k) => {
            const weight = typeNames.map((_, t) => {
              const route = routes[t] as ReturnType<typeof starRoutes>[number];
              const w = mix[t] as number;
              return (
                (route.best === id ? w * route.accuracy : 0) +
                (route.fallback === id ? w * (1 - route.accuracy) : 0)
              );
            });
            let top = -1;
            (p[k] as number[][]).forEach((chance, o) => {
              const gain = chance.reduce((sum, x, t) => sum + x * (weight[t] as number), 0);
              if (gain > top + 1e-12) {
                top = gain;
                pick[k] = o;
              }
            });
            v += top;
          });
          if (v > bestValue + 1e-12) {
            bestValue = v;
            bestPlan = plan;
            bestDemos = active.map(
              (_, k) =>
                (options[k] as { held: JsonValue[] }[])[pick[k] as number]?.held as JsonValue[],
            );
          }
          continue;
        }
        const talk = 1 - MESH_COST * (active.length - 1);
        // Odometer over the agents' demo options.
        for (;;) {
          v = 0;
          for (let t = 0; t < T; t++) {
            let chance = 0;
            if (plan.topology === 'ring') {
              let missed = 1;
              let hop = 1;
              for (let k = 0; k < active.length; k++) {
                const x = ((p[k] as number[][])[pick[k] as number] as number[])[t] as number;
                chance += missed * hop * x;
                missed *= 1 - x;
                hop *= HANDOFF;
              }
            } else {
              let allMiss = 1;
              for (let k = 0; k < active.length; k++) {
                allMiss *=
                  1 - (((p[k] as number[][])[pick[k] as number] as number[])[t] as number) * talk;
              }
              chance = 1 - allMiss;
            }
            v += (mix[t] as number) * chance;
          }
          if (v > bestValue + 1e-12) {
            bestValue = v;
            bestPlan = plan;
            bestDemos = active.map(
              (_, k) =>
                (options[k] as { held: JsonValue[] }[])[pick[k] as number]?.held as JsonValue[],
            );
          }
          let k = 0;
          while (k < active.length) {
            pick[k] = (pick[k] as number) + 1;
            if ((pick[k] as number) < (options[k] as unknown[]).length) break;
            pick[k] = 0;
            k++;
          }
          if (k === active.length) break;
        }
      }
    }
  }
  const best = bestPlan as Plan;
  const optimumValues: Record<string, JsonValue> = {
    'team.active': best.active as string[],
    'team.topology': best.topology,
    'team.budget': best.budget,
  };
  if (best.topology === 'star') optimumValues['team.hub'] = best.hub;
  for (const agent of ordered) optimumValues[`${agent.id}.temperature`] = agent.sweetSpot;
  best.active.forEach((id, k) => {
    optimumValues[`${id}.demos`] = bestDemos[k] as JsonValue[];
  });

  // Examples: the task mix, drawn with the task's own random source.
  const draw = (count: number, offset: number): TeamExample[] =>
    Array.from({ length: count }, (_, k) => {
      const type = typeNames[
        random.pickWeighted(
          typeNames.map((_, t) => t),
          mix,
        )
      ] as string;
      return {
        input: { question: `task ${offset + k} of ${type}` },
        expectedOutput: { answer: `ok-${type}` },
        taskType: type,
      };
    });
  const trainset = draw(48, 0);
  const valset = draw(24, 1000);

  const runner = (): TeamRunner => ({
    async run(request: TeamRunRequest): Promise<TeamRunResult> {
      return simulateRun(request);
    },
  });

  function simulateRun(request: TeamRunRequest): TeamRunResult {
    const c = request.configuration;
    const type = typeNames.indexOf(request.example.taskType as string);
    const plan = planOf(c);
    const p = chances(c)[type] as number;
    const luck = createRandom(request.seed ^ (request.exampleIndex * 0x9e3779b1)).next();
    const right = luck < p;
    const answer = right ? `ok-${typeNames[type]}` : `bad-${typeNames[type]}`;
    // Who acted: the star's hub and the agent it chose, the ring's agents up to the one that
    // answered, every agent of a mesh.
    let acted: string[];
    if (plan.topology === 'star') {
      const route = starRoutes(plan)[type] as ReturnType<typeof starRoutes>[number];
      const routed =
        createRandom(request.seed + 17).next() < route.accuracy ? route.best : route.fallback;
      acted = plan.active.includes(plan.hub) && plan.hub !== routed ? [plan.hub, routed] : [routed];
    } else if (plan.topology === 'ring') {
      const reach = right ? Math.max(1, Math.ceil(luck * plan.active.length)) : plan.active.length;
      acted = plan.active.slice(0, reach);
    } else acted = [...plan.active];
    const traces: TraceRecord[] = acted.map((agentId, step) => ({
      agentId,
      runId: request.runId,
      step,
      input:
        step === 0
          ? request.example.input
          : { question: request.example.input.question, from: acted[step - 1] as string },
      output: { answer, taskType: typeNames[type] as string },
      configuration: {},
      startedAt: 0,
      endedAt: 0,
      usage: { inputTokens: 4, outputTokens: 4, totalTokens: 8 },
    }));
    const tokens = 8 * acted.length;
    return {
      output: { answer },
      traces,
      usage: { inputTokens: tokens / 2, outputTokens: tokens / 2, totalTokens: tokens },
      messages: Math.max(0, acted.length - 1),
    };
  }

  const metric: TeamMetric = (example, run) =>
    run.output?.answer === example.expectedOutput?.answer;
  return {
    name: `task${index}`,
    knobs,
    space,
    trainset,
    valset,
    metric,
    value,
    optimum: { value: bestValue, configuration: optimumValues },
    runner,
  };
}

/** The configuration's true value, after filling defaults the way the team space does. */
export function trueValue(task: GeneratedTask, configuration: Configuration): number {
  return task.value(configuration);
}
