import { describe, expect, it } from 'vitest';
import { adapt, coordinate } from './coordinate';
import { emptyMetrics } from './metrics';
import { createMultiAgentSpace, registerAgent } from './multi-agent-space';
import { agentSelection, custom, resourceAllocation } from './orchestration-variable';
import { float } from './variables/float';

// Ids such as `__proto__` are ordinary ids: each record below is keyed by ids a user chose, and
// the entry for `__proto__` must act like any other (zod's own records drop it).
const agents = ['__proto__', 'constructor', 'b'];
const context = () =>
  JSON.parse(
    '{"agents": {"__proto__": {"status": "active"}, "constructor": {"status": "active"}, "b": {}}}',
  );

describe('ids such as __proto__', () => {
  it('are agents the coordination context knows', async () => {
    const v = custom('knob', {
      agents: ['b'],
      domain: float('knob', { range: [0, 1], default: 0.5 }),
      coordination: () => [
        {
          agent: '__proto__',
          action: 'adjustParameters',
          parameters: { knob: 1 },
          priority: 1,
          timeout: 1000,
        },
      ],
    });
    const out = await coordinate(v, 0.5, context());
    expect(out.map((d) => [d.agent, d.parameters])).toEqual([['__proto__', { knob: 1 }]]);
  });

  it('take their share of an allocation plan, and name a plan', async () => {
    const v = resourceAllocation('tokens', {
      agents,
      resource: 'tokens',
      total: 1000,
      plans: JSON.parse('{"__proto__": {"__proto__": 3, "b": 1}, "even": {"constructor": 1}}'),
    });
    expect(v.domain).toMatchObject({ choices: ['equal', '__proto__', 'even'] });
    const out = await coordinate(v, '__proto__', context());
    expect(out.map((d) => [d.agent, d.parameters.amount])).toEqual([
      ['__proto__', 750],
      ['constructor', 0],
      ['b', 250],
    ]);
    const even = await coordinate(v, 'even', context());
    expect(even.map((d) => [d.agent, d.parameters.amount])).toEqual([
      ['__proto__', 0],
      ['constructor', 1000],
      ['b', 0],
    ]);
  });

  it('keep their measured performance when a selection adapts', async () => {
    const v = agentSelection('pick', { agents, default: ['__proto__'] });
    const metrics = {
      ...emptyMetrics(),
      // A dropped score would rank `__proto__` at the neutral 0.5, above `b`.
      individualPerformance: JSON.parse('{"__proto__": 0.1, "constructor": 0.2, "b": 0.4}'),
      resourceUtilization: JSON.parse('{"__proto__": 0.5}'),
    };
    expect((await adapt(v, metrics)).value).toEqual(['b']);
    // Without a score, `constructor` ranks at the neutral 0.5, not at Object's constructor.
    const unscored = {
      ...metrics,
      individualPerformance: JSON.parse('{"__proto__": 0.1, "b": 0.4}'),
    };
    expect((await adapt(v, unscored)).value).toEqual(['constructor']);
  });

  it('keep their fault recovery settings in a space', () => {
    const space = createMultiAgentSpace({
      id: 'team',
      faultRecovery: JSON.parse(
        '{"perAgent": {"__proto__": "replace"}, "fallbacks": {"__proto__": "b"}}',
      ),
    });
    expect(Object.hasOwn(space.faultRecovery.perAgent, '__proto__')).toBe(true);
    expect(Object.entries(space.faultRecovery.perAgent)).toEqual([['__proto__', 'replace']]);
    expect(Object.entries(space.faultRecovery.fallbacks)).toEqual([['__proto__', 'b']]);
    const plain = createMultiAgentSpace({ id: 'team' });
    expect(Object.hasOwn(plain.faultRecovery.perAgent, 'constructor')).toBe(false);
    expect(plain.faultRecovery.fallbacks.constructor).toBe(undefined);
  });

  it('reach the local configuration check, which refuses `__proto__` instead of dropping it', () => {
    // Local configurations are keyed by variable ids, and a variable id is never `__proto__`.
    const register = () =>
      registerAgent(createMultiAgentSpace({ id: 'team' }), {
        id: 'a',
        behaviour: 'worker',
        localConfiguration: JSON.parse('{"__proto__": {"depth": 2}, "mode": "x"}'),
      });
    expect(register).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        issues: [expect.objectContaining({ path: 'a.localConfiguration.__proto__' })],
      }),
    );
    const space = registerAgent(createMultiAgentSpace({ id: 'team' }), {
      id: 'a',
      behaviour: 'worker',
      localConfiguration: JSON.parse('{"constructor": 1, "mode": "x"}'),
    });
    expect(Object.entries(space.agents.a?.localConfiguration ?? {})).toEqual([
      ['constructor', 1],
      ['mode', 'x'],
    ]);
  });
});
