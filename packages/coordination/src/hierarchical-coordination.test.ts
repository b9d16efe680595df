import { agentRef, topologyEdges, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { type CoordinationPlan, hierarchicalCoordination } from './hierarchical-coordination';

function failure(run: () => unknown): VarplaneError {
  try {
    run();
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected coordination to fail');
}

describe('hierarchicalCoordination', () => {
  const plan: CoordinationPlan = {
    authority: { lead: ['coder', 'tester'] },
    steps: [
      { action: 'adjustParameters', parameters: { temperature: 0.2 } },
      {
        agents: ['tester'],
        action: 'changeRole',
        parameters: { role: 'evaluator' },
        priority: 80,
        timeout: 1_000,
      },
    ],
  };

  it('turns the plan into directives, highest priority first', () => {
    expect(hierarchicalCoordination('lead', ['coder', 'tester'], plan)).toEqual([
      {
        agent: 'tester',
        action: 'changeRole',
        parameters: { role: 'evaluator' },
        priority: 80,
        timeout: 1_000,
      },
      {
        agent: 'coder',
        action: 'adjustParameters',
        parameters: { temperature: 0.2 },
        priority: 50,
        timeout: 5_000,
      },
      {
        agent: 'tester',
        action: 'adjustParameters',
        parameters: { temperature: 0.2 },
        priority: 50,
        timeout: 5_000,
      },
    ]);
  });

  it('accepts agent refs and authority that runs through middle managers', () => {
    const deep: CoordinationPlan = {
      authority: [
        { from: 'ceo', to: 'lead', type: 'command' },
        { from: 'lead', to: 'coder', type: 'supervision' },
      ],
      steps: [{ action: 'start' }],
    };
    const directives = hierarchicalCoordination(agentRef('ceo'), [agentRef('coder'), 'lead'], deep);
    expect(directives.map((d) => d.agent)).toEqual(['coder', 'lead']);
  });

  it('ignores edges that carry no authority', () => {
    const star = {
      authority: topologyEdges('star', ['lead', 'coder']),
      steps: [{ action: 'stop' as const }],
    };
    const error = failure(() => hierarchicalCoordination('lead', ['coder'], star));
    expect(error.code).toBe('HIERARCHY_UNAUTHORIZED');
  });

  it('names every subordinate outside the authority', () => {
    const error = failure(() => hierarchicalCoordination('coder', ['tester', 'lead'], plan));
    expect(error.code).toBe('HIERARCHY_UNAUTHORIZED');
    expect(error.message).toBe(
      'hierarchicalCoordination: "coder" has no authority over "tester", "lead"',
    );
    expect((error as unknown as { agents: string[] }).agents).toEqual(['tester', 'lead']);
  });

  it('survives cycles in the authority', () => {
    const cyclic = {
      authority: { a: ['b'], b: ['a', 'c'] },
      steps: [{ action: 'start' as const }],
    };
    expect(hierarchicalCoordination('a', ['b', 'c'], cyclic)).toHaveLength(2);
  });

  it('refuses a step for an agent that is no subordinate', () => {
    const stray: CoordinationPlan = { ...plan, steps: [{ agents: ['intruder'], action: 'stop' }] };
    const error = failure(() => hierarchicalCoordination('lead', ['coder'], stray));
    expect(error.code).toBe('HIERARCHY_UNKNOWN_SUBORDINATE');
    expect(error.message).toContain(
      'plan.steps.0.agents.0: is not among the subordinates (got "intruder")',
    );
  });

  it('refuses malformed input by path', () => {
    expect(failure(() => hierarchicalCoordination('lead', ['lead'], plan)).message).toContain(
      'subordinates.0: is the coordinator itself',
    );
    expect(
      failure(() => hierarchicalCoordination('lead', ['coder', 'coder'], plan)).message,
    ).toContain('subordinates.1: appears twice');
    const badAction = { ...plan, steps: [{ action: 'explode' }] } as unknown as CoordinationPlan;
    expect(failure(() => hierarchicalCoordination('lead', ['coder'], badAction)).message).toContain(
      'plan.steps.0.action',
    );
    expect(failure(() => hierarchicalCoordination('bad id!', ['coder'], plan)).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});
