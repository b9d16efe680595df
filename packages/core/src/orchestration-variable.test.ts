import { describe, expect, it } from 'vitest';
import { OrchestrationError } from './errors';
import {
  adaptationRate,
  agentSelection,
  communicationTopology,
  coordinationPattern,
  custom,
  performanceThreshold,
  resourceAllocation,
} from './orchestration-variable';
import { float } from './variables/float';

const agents = ['planner', 'coder', 'reviewer'];

describe('orchestration variable constructors', () => {
  it('fill every field of the card with defaults', () => {
    const v = communicationTopology('reasoning_net', {
      agents,
      patterns: ['star', 'ring', 'mesh'],
      faultTolerance: { strategy: 'graceful_degradation' },
    });
    expect(v).toMatchObject({
      id: 'reasoning_net',
      scope: 'local',
      type: 'communication_topology',
      agents,
      value: 'star',
      constraints: {},
      resourceRequirements: { memory: 0, cpuWeight: 1, networkPriority: 'normal' },
      faultTolerance: { strategy: 'graceful_degradation' },
      settings: { hub: 'planner' },
    });
    expect(v).not.toHaveProperty('telemetry');
    expect(v.domain).toMatchObject({ kind: 'choice', choices: ['star', 'ring', 'mesh'] });
    expect(Object.isFrozen(v)).toBe(true);
  });

  it("refuse the card's telemetry_config with a typed error that points to startMonitoring", () => {
    const telemetry = { collectionIntervalMs: 500, metricsToTrack: ['mailbox_depth'] };
    for (const build of [
      () => communicationTopology('reasoning_net', { agents, telemetry } as never),
      () => agentSelection('coder', { agents, telemetry: {} } as never),
    ]) {
      const error = (() => {
        try {
          build();
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(OrchestrationError);
      expect(error).toMatchObject({
        code: 'ORCHESTRATION_UNSUPPORTED_OPTION',
        message: expect.stringMatching(/: telemetry .* startMonitoring\(runningSpace, telemetry\)/),
      });
    }
    // Left out, or explicitly undefined, is not given.
    expect(agentSelection('coder', { agents, telemetry: undefined } as never).id).toBe('coder');
  });

  it("take the card's fault tolerance by name or as an object, and refuse other values", () => {
    const byName = communicationTopology('reasoning_net', {
      agents,
      patterns: ['star', 'ring', 'mesh'],
      faultTolerance: 'graceful_degradation',
    });
    expect(byName.faultTolerance).toEqual({ strategy: 'graceful_degradation' });
    const detailed = agentSelection('coder', {
      agents,
      faultTolerance: { strategy: 'failover', maxRetries: 1, fallbackValue: ['reviewer'] },
    });
    expect(detailed.faultTolerance).toEqual({
      strategy: 'failover',
      maxRetries: 1,
      fallbackValue: ['reviewer'],
    });
    expect(agentSelection('plain', { agents }).faultTolerance).toBeUndefined();
    expect(() =>
      agentSelection('coder', { agents, faultTolerance: 'best_effort' as 'retry' }),
    ).toThrow(/faultTolerance.*best_effort/);
  });

  it('build each type with a searchable domain', () => {
    expect(
      agentSelection('coder_agent', { agents, constraints: { maxConcurrent: 2 } }),
    ).toMatchObject({
      type: 'agent_selection',
      value: ['planner'],
      domain: { kind: 'demos', maxCount: 2, pool: agents },
    });
    const split = resourceAllocation('tokens', {
      agents,
      resource: 'tokens',
      total: 1000,
      plans: { coder_heavy: { coder: 3, planner: 1 } },
    });
    expect(split.domain).toMatchObject({ kind: 'choice', choices: ['equal', 'coder_heavy'] });
    expect(split.value).toBe('equal');
    expect(adaptationRate('rate', { agents }).value).toBe(0.1);
    expect(performanceThreshold('bar', { agents, default: 0.6 }).value).toBe(0.6);
    expect(coordinationPattern('flow', { agents, default: 'ring' }).value).toBe('ring');
    const knob = float('knob', { range: [0, 1], default: 0.5 });
    expect(custom('knob', { agents, domain: knob, coordination: () => [] }).domain).toBe(knob);
  });

  it('reject bad options with ORCHESTRATION_INVALID_OPTIONS naming the field and value', () => {
    const bad: Array<[() => unknown, RegExp]> = [
      [() => agentSelection('', { agents }), /id: must not be empty/],
      [() => agentSelection('x', { agents: [] }), /agents: needs at least one agent/],
      [() => communicationTopology('t', { agents, scope: 'galaxy' as never }), /scope/],
      [
        () => communicationTopology('t', { agents, hub: 'stranger' }),
        /hub must be one of the agents \(got "stranger"\)/,
      ],
      [() => communicationTopology('t', { agents, patterns: ['hexagon' as never] }), /patterns\.0/],
      [() => resourceAllocation('r', { agents, resource: 'tokens', total: -1 }), /total/],
      [
        () =>
          resourceAllocation('r', {
            agents,
            resource: 'tokens',
            total: 10,
            plans: { odd: { stranger: 1 } },
          }),
        /plans\.odd/,
      ],
      [
        () => custom('c', { agents, domain: float('c', { range: [0, 1], default: 0 }) } as never),
        /coordination is required/,
      ],
      [() => adaptationRate('a', { agents, unknownOption: 1 } as never), /unknownOption/],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(
        expect.objectContaining({
          code: 'ORCHESTRATION_INVALID_OPTIONS',
          message: expect.stringMatching(message),
        }),
      );
    }
  });

  it('rejects a default outside the domain', () => {
    expect(() => adaptationRate('a', { agents, default: 3 })).toThrow(
      expect.objectContaining({ code: 'VARIABLE_DEFAULT_INVALID' }),
    );
    expect(() =>
      communicationTopology('t', { agents, patterns: ['ring'], default: 'star' }),
    ).toThrow(expect.objectContaining({ code: 'VARIABLE_DEFAULT_INVALID' }));
  });
});

describe('float orchestration defaults', () => {
  it('place the default inside any range', () => {
    expect(performanceThreshold('bar', { agents, range: [0.5, 1] }).value).toBeCloseTo(0.85, 10);
    expect(adaptationRate('rate', { agents, range: [0.2, 0.4] }).value).toBe(0.2);
    expect(adaptationRate('rate', { agents }).domain).toMatchObject({
      kind: 'float',
      description: 'adaptation rate',
    });
  });
});
