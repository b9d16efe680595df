/**
 * Named values the valid-call table refers to as `@name`: built with the packages' public API,
 * fresh for every call so a callee that mutates its input cannot spoil the next call.
 */
type Modules = Record<string, Record<string, unknown>>;
type Fixtures = Record<string, () => unknown>;

const EVENT = {
  id: 'event-1',
  timestamp: 1,
  trigger: 'performance_degradation',
  operation: 'coordinateAgents',
  changes: [],
  outcome: 'success',
  performanceImpact: 0,
};

export function buildFixtures(modules: Modules): Fixtures {
  // biome-ignore lint/suspicious/noExplicitAny: fixtures reach the packages through their runtime exports
  const api = (entry: string) => modules[entry] as any;
  const core = api('core');
  const coordination = api('coordination');
  const runtime = api('runtime');
  const dspex = api('dspex-bridge');
  const selection = () => core.agentSelection('team', { agents: ['planner', 'coder'] });
  const agentsOnly = () => {
    let value = core.createMultiAgentSpace({ id: 'team', topology: 'star' });
    value = core.registerAgent(value, { id: 'planner', behaviour: 'planner', role: 'coordinator' });
    return core.registerAgent(value, { id: 'coder', behaviour: 'coder' });
  };
  const space = () => {
    const value = core.addOrchestrationVariable(agentsOnly(), selection());
    return core.recordAdaptation(value, EVENT);
  };
  return {
    space,
    agentsOnly,
    emptySpace: () => core.createMultiAgentSpace({ id: 'empty' }),
    selection,
    temperature: () => core.float('temperature', { range: [0, 1], default: 0.7 }),
    variables: () => [
      core.float('temperature', { range: [0, 1], default: 0.7 }),
      core.integer('maxTokens', { range: [1, 4096], default: 256 }),
      core.choice('style', { choices: ['terse', 'verbose'], default: 'terse' }),
    ],
    variableSpace: () =>
      core.createVariableSpace([
        core.float('temperature', { range: [0, 1], default: 0.7 }),
        core.integer('maxTokens', { range: [1, 4096], default: 256 }),
        core.choice('style', { choices: ['terse', 'verbose'], default: 'terse' }),
      ]),
    registry: () => core.createStrategyRegistry(),
    strategy: () => coordination.createSimpleMajority(),
    random: () => core.createRandom(7),
    clock: () => core.createManualClock(),
    graph: () => space().coordinationGraph,
    metrics: () => core.emptyMetrics(),
    directive: () => core.directive('coder', 'start'),
    // A behaviour that counts messages and echoes calls: the runtime's smallest valid agent.
    echo: () => ({
      name: 'echo',
      init: () => 0,
      handle(message: unknown, count: number, ctx: { isCall: boolean; reply(v: unknown): void }) {
        if (ctx.isCall) ctx.reply(message);
        return count + 1;
      },
    }),
    zero: () => () => 0,
    strategyContext: () => ({
      random: core.createRandom(7),
      clock: core.createManualClock(),
      signal: new AbortController().signal,
    }),
    nameRegistry: () => runtime.createNameRegistry(),
    signature: () => dspex.signature('question -> answer'),
    simulatedModel: () => dspex.createSimulatedLanguageModel(),
    cacheStore: () => dspex.createMemoryCacheStore(),
  };
}

/** Replaces every `@name` string in `value` with a fresh fixture. */
export function resolveFixtures(value: unknown, fixtures: Fixtures): unknown {
  if (typeof value === 'string' && value.startsWith('@')) {
    const make = fixtures[value.slice(1)];
    if (make === undefined) throw new Error(`no fixture ${value}`);
    return make();
  }
  if (Array.isArray(value)) return value.map((v) => resolveFixtures(v, fixtures));
  if (
    typeof value === 'object' &&
    value !== null &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveFixtures(v, fixtures)]),
    );
  }
  return value;
}
