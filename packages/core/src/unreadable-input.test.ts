import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatAgentRef, isSameAgent, parseAgentRef } from './agent-ref';
import { createManualClock, systemClock } from './clock';
import { combineSpaces, splitConfiguration } from './combine-spaces';
import { adapt, checkOrchestrationValue, coordinate } from './coordinate';
import { neighboursOf, topologyEdges } from './coordination-graph';
import { byPriority, directive } from './directive';
import { VarplaneError } from './errors';
import { catchVarplaneError } from './internal/testing';
import { emptyMetrics } from './metrics';
import { maxTokens, temperature } from './ml-presets';
import {
  addOrchestrationVariable,
  createMultiAgentSpace,
  registerAgent,
  replaceOrchestrationVariable,
  setLocalConfiguration,
  setTopology,
} from './multi-agent-space';
import { agentSelection } from './orchestration-variable';
import { createRandom } from './random';
import { createStrategyRegistry } from './strategy-registry';
import { createVariableSpace } from './variable-space';
import { boolean } from './variables/boolean';
import { float } from './variables/float';
import { integer } from './variables/integer';

// What a hostile caller hands over: every read and every trap throws.
const boom = () => {
  throw new Error('boom');
};
const trap = () =>
  new Proxy(
    {},
    { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom, getOwnPropertyDescriptor: boom },
  );
const withGetter = <T extends object>(base: T, key: PropertyKey): T =>
  Object.defineProperty({ ...base }, key, { enumerable: true, get: boom });
const arrayWithGetter = (length: number, at: number): unknown[] =>
  Object.defineProperty(new Array(length).fill('a'), at, { enumerable: true, get: boom });

const space = createVariableSpace([float('temperature', { range: [0, 1], default: 0.5 })]);

describe('inputs that cannot be read are refused with typed errors, never rethrown', () => {
  it('variables and presets', () => {
    const proxyDefault = catchVarplaneError(() =>
      integer('n', { range: [0, 9], default: trap() as never }),
    );
    expect(proxyDefault.code).toBe('VARIABLE_INVALID_OPTIONS');
    expect(proxyDefault.message).toBe('integer "n": the input could not be read (boom)');
    expect(catchVarplaneError(() => boolean('b', { default: trap() as never })).code).toBe(
      'VARIABLE_INVALID_OPTIONS',
    );
    const preset = catchVarplaneError(() => temperature(withGetter({}, 'default') as never));
    expect(preset.code).toBe('INVALID_ARGUMENT');
    expect(preset.message).toMatch(/^temperature: options could not be read \(boom; got /);
    expect(catchVarplaneError(() => maxTokens(trap() as never)).code).toBe('INVALID_ARGUMENT');
  });

  it('variable spaces: check reports, validate and serialize throw CONFIGURATION_INVALID', () => {
    const hostile = withGetter({ temperature: 0.5 }, 'temperature');
    expect(space.check(hostile)).toEqual({
      ok: false,
      issues: [{ path: '', message: 'could not be read (boom)' }],
    });
    expect(catchVarplaneError(() => space.validate(trap() as never)).code).toBe(
      'CONFIGURATION_INVALID',
    );
    expect(catchVarplaneError(() => space.serialize(hostile)).code).toBe('CONFIGURATION_INVALID');
    expect(space.validate({ temperature: 0.25 })).toEqual({ temperature: 0.25 });
  });

  it('variable spaces: a random source that throws is named', () => {
    const throwing = {
      ...createRandom(1),
      ...Object.fromEntries(
        ['next', 'int', 'float', 'normal', 'chance', 'pick'].map((m) => [m, boom]),
      ),
    } as never;
    const sampled = catchVarplaneError(() => space.sample(throwing));
    expect(sampled.code).toBe('INVALID_ARGUMENT');
    expect(sampled.message).toMatch(/^sample: random could not be read \(boom; got /);
    expect(catchVarplaneError(() => space.sample(trap() as never)).code).toBe('INVALID_ARGUMENT');
    const mutated = catchVarplaneError(() => space.mutate({ temperature: 0.5 }, throwing, 1));
    expect(mutated.message).toMatch(/^mutate: random could not be read/);
  });

  it('agent refs, graphs and directives', () => {
    expect(catchVarplaneError(() => (formatAgentRef as () => string)()).message).toMatch(
      /^formatAgentRef: ref: .* \(got undefined\)$/,
    );
    expect(formatAgentRef({ id: 'coder', node: 'local' })).toBe('coder@local');
    expect(catchVarplaneError(() => parseAgentRef(7 as never)).message).toBe(
      'parseAgentRef: text must be a string like "coder@local" (got 7)',
    );
    expect(catchVarplaneError(() => isSameAgent(trap() as never, trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(isSameAgent({ id: 'a', node: 'n' }, { id: 'a', node: 'n' })).toBe(true);
    expect(catchVarplaneError(() => topologyEdges('ring', 'toString' as never)).message).toMatch(
      /^topologyEdges: nodes: .* \(got "toString"\)$/,
    );
    expect(catchVarplaneError(() => neighboursOf(null as never, 'a')).code).toBe(
      'INVALID_ARGUMENT',
    );
    const graph = { nodes: ['a', 'b'], edges: topologyEdges('mesh', ['a', 'b']), topology: 'mesh' };
    expect(neighboursOf(graph as never, 'a')).toEqual(['b']);
    expect(catchVarplaneError(() => byPriority(1e308 as never)).code).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => byPriority(arrayWithGetter(2, 0) as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    const low = directive('a', 'start', {}, { priority: 1 });
    const high = directive('b', 'stop', {}, { priority: 9 });
    expect(byPriority([low, high])).toEqual([high, low]);
  });

  it('Random picks and shuffles, and clocks', () => {
    const random = createRandom(3);
    expect(catchVarplaneError(() => random.pick(arrayWithGetter(1, 0))).message).toMatch(
      /^Random\.pick: items\[0\] could not be read \(boom; got /,
    );
    expect(catchVarplaneError(() => random.shuffle(arrayWithGetter(3, 1))).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      catchVarplaneError(() => random.pickWeighted(['a'], arrayWithGetter(1, 0) as never)).code,
    ).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => createManualClock().clearTimeout(trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(catchVarplaneError(() => systemClock.clearTimeout(trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('combining and splitting spaces; __proto__ is an ordinary part and variable id', () => {
    expect(catchVarplaneError(() => combineSpaces(trap() as never)).code).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => splitConfiguration(trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    const split = splitConfiguration(JSON.parse('{"__proto__.x": 1, "a.__proto__": 2}'));
    expect(Object.getPrototypeOf(split)).toBe(Object.prototype);
    expect(Object.hasOwn(split, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(split, '__proto__')?.value).toEqual({ x: 1 });
    expect(Object.hasOwn(split.a as object, '__proto__')).toBe(true);
    expect(Object.hasOwn(Object.prototype, 'x')).toBe(false);
  });

  it('registries', () => {
    const notArray = catchVarplaneError(() => createStrategyRegistry({} as never));
    expect(notArray.code).toBe('STRATEGY_INVALID');
    expect(notArray.message).toContain('(got {})');
    const getter = withGetter(
      { kind: 'negotiation', name: 'x', specificationVersion: 'v1' },
      'negotiate',
    );
    expect(catchVarplaneError(() => createStrategyRegistry().register(getter as never)).code).toBe(
      'STRATEGY_INVALID',
    );
  });

  it('multi-agent space transitions', () => {
    let team = createMultiAgentSpace({ id: 'team' });
    team = registerAgent(team, { id: 'a', behaviour: 'worker' });
    const variable = agentSelection('pick', { agents: ['a'] });
    expect(
      catchVarplaneError(() => addOrchestrationVariable(team, withGetter(variable, 'agents'))).code,
    ).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => replaceOrchestrationVariable(team, trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      catchVarplaneError(() => setLocalConfiguration(team, 'a', withGetter({ t: 1 }, 't'))).code,
    ).toBe('INVALID_ARGUMENT');
    const notSpace = catchVarplaneError(() => setTopology(1e308 as never, 'ring'));
    expect(notSpace.message).toBe(
      'setTopology: space must be a multi-agent space made by createMultiAgentSpace (got 1e+308)',
    );
    expect(catchVarplaneError(() => setTopology(team, 'ring', trap() as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(setTopology(team, 'ring', { hub: 'a' }).coordinationGraph.hub).toBe('a');
  });

  it('coordinate and adapt: options, context, values and results', async () => {
    const variable = agentSelection('pick', { agents: ['a', 'b'] });
    expect(
      catchVarplaneError(() => checkOrchestrationValue(variable, arrayWithGetter(1, 0))).code,
    ).toBe('ORCHESTRATION_INVALID_VALUE');
    await expect(coordinate(variable, ['a'], trap() as never)).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
      message: 'coordinate "pick": context could not be read (boom)',
    });
    await expect(
      coordinate(variable, ['a'], { agents: {} }, { timeoutMs: 2 ** 31 }),
    ).rejects.toMatchObject({
      code: 'ORCHESTRATION_INVALID_OPTIONS',
      message: expect.stringContaining('options.timeoutMs'),
    });
    await expect(
      coordinate(variable, ['a'], { agents: {} }, { clock: {} as never }),
    ).rejects.toMatchObject({ code: 'ORCHESTRATION_INVALID_OPTIONS' });
    await expect(adapt(variable, trap() as never)).rejects.toMatchObject({
      code: 'ADAPTATION_FAILED',
      message: 'agent_selection "pick": metrics are malformed: metrics could not be read (boom)',
    });
    const proxied = { ...variable, adaptation: () => withGetter(variable, 'value') };
    const metrics = emptyMetrics();
    await expect(adapt(proxied as never, metrics as never)).rejects.toMatchObject({
      code: 'ADAPTATION_INVALID_RESULT',
    });
    const getters = {
      ...variable,
      coordination: () => [withGetter(directive('a', 'start'), 'agent')],
    };
    await expect(coordinate(getters as never, ['a'], { agents: {} })).rejects.toMatchObject({
      code: 'COORDINATION_INVALID_RESULT',
    });
    // A thenable whose `then` cannot be read fails the coordination itself, typed.
    const returnsProxy = { ...variable, coordination: () => trap() };
    await expect(coordinate(returnsProxy as never, ['a'], { agents: {} })).rejects.toMatchObject({
      code: 'COORDINATION_FAILED',
    });
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reports a timer callback that throws as a CLOCK_CALLBACK_FAILED warning', async () => {
    const warnings: unknown[] = [];
    vi.spyOn(process, 'emitWarning').mockImplementation((warning) => {
      warnings.push(warning);
    });
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        setImmediate(resolve);
        throw new Error('late');
      }, 0);
    });
    expect(warnings).toHaveLength(1);
    expect(VarplaneError.isInstance(warnings[0], 'CLOCK_CALLBACK_FAILED')).toBe(true);
    expect((warnings[0] as Error).message).toBe('systemClock: a timer callback threw: late');
  });
});
