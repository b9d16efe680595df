import { describe, expect, it } from 'vitest';
import { combineSpaces, splitConfiguration } from './combine-spaces';
import { catchVarplaneError, violations } from './internal/testing';
import { createRandom } from './random';
import { createVariableSpace } from './variable-space';
import { boolean } from './variables/boolean';
import { choice } from './variables/choice';
import { composite } from './variables/composite';
import { float } from './variables/float';
import { integer } from './variables/integer';

const coder = createVariableSpace(
  [
    float('temperature', { range: [0, 2], default: 0.7, precision: 2 }),
    boolean('useTools', { default: true }),
    integer('maxToolCalls', {
      range: [1, 9],
      default: 3,
      condition: { variable: 'useTools', when: { equals: true } },
      dependencies: ['temperature'],
      constraints: [
        {
          message: 'many tool calls need a cool temperature',
          check: (value, configuration) =>
            (value as number) <= 5 || (configuration.temperature as number) < 1,
        },
      ],
    }),
    composite('effort', {
      dependencies: ['temperature', 'maxToolCalls'],
      compute: ({ temperature, maxToolCalls }) => `${temperature}/${maxToolCalls ?? 0}`,
    }),
  ],
  {
    constraints: [
      { name: 'warm', paths: ['temperature'], check: (c) => (c.temperature as number) > 0.1 },
    ],
  },
);

const team = createVariableSpace([
  integer('size', { range: [1, 5], default: 2 }),
  choice('topology', { choices: ['star', 'ring'] }),
]);

describe('combineSpaces', () => {
  const joint = combineSpaces({ coder, team });

  it('prefixes ids, dependencies and conditions', () => {
    expect(joint.variables.map((variable) => variable.id)).toEqual([
      'coder.temperature',
      'coder.useTools',
      'coder.maxToolCalls',
      'coder.effort',
      'team.size',
      'team.topology',
    ]);
    expect(joint.get('coder.maxToolCalls')?.condition?.variable).toBe('coder.useTools');
    expect(joint.get('coder.effort')?.dependencies).toEqual([
      'coder.temperature',
      'coder.maxToolCalls',
    ]);
    expect(joint.constraints.map((constraint) => constraint.paths)).toEqual([
      ['coder.temperature'],
    ]);
  });

  it('validates with each part seeing its own un-prefixed values', () => {
    expect(joint.defaults()).toEqual({
      'coder.temperature': 0.7,
      'coder.useTools': true,
      'coder.maxToolCalls': 3,
      'coder.effort': '0.7/3',
      'team.size': 2,
      'team.topology': 'star',
    });
    expect(joint.validate({ 'coder.useTools': false })['coder.effort']).toBe('0.7/0');
    const result = joint.check({
      'coder.temperature': 0.05,
      'coder.maxToolCalls': 7,
      'team.size': 9,
    });
    expect(result.ok ? [] : result.issues.map((issue) => [issue.path, issue.message])).toEqual([
      ['team.size', 'must be within [1, 5]'],
      ['coder.temperature', 'violates constraint "coder.warm"'],
    ]);
    const hot = joint.check({ 'coder.temperature': 1.5, 'coder.maxToolCalls': 7 });
    expect(hot.ok ? [] : hot.issues.map((issue) => issue.message)).toEqual([
      'many tool calls need a cool temperature',
    ]);
  });

  it('samples and mutates valid joint configurations', () => {
    const random = createRandom(12);
    for (let i = 0; i < 50; i++) {
      const sampled = joint.sample(random);
      expect(violations(joint, sampled)).toEqual([]);
      expect(violations(joint, joint.mutate(sampled, random, 0.5))).toEqual([]);
      const parts = splitConfiguration(sampled);
      expect(coder.validate(parts.coder ?? {})).toEqual(parts.coder);
      expect(team.validate(parts.team ?? {})).toEqual(parts.team);
    }
    expect(joint.dimensionality()).toEqual({ discrete: 4, continuous: 1, total: 5 });
  });

  it('adds constraints across parts', () => {
    const bounded = combineSpaces(
      { coder, team },
      {
        constraints: [
          {
            name: 'small-team-tools',
            paths: ['team.size', 'coder.maxToolCalls'],
            check: (c) =>
              (c['team.size'] as number) * ((c['coder.maxToolCalls'] as number) ?? 0) <= 10,
          },
        ],
      },
    );
    expect(bounded.check({ 'team.size': 5, 'coder.maxToolCalls': 3 }).ok).toBe(false);
    expect(bounded.check({ 'team.size': 3, 'coder.maxToolCalls': 3 }).ok).toBe(true);
  });

  it('nests, and rejects bad part names', () => {
    const nested = combineSpaces({ org: joint });
    expect(nested.defaults()['org.coder.effort']).toBe('0.7/3');
    expect(catchVarplaneError(() => combineSpaces({ 'a.b': team })).code).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => combineSpaces({ a: {} as never })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(catchVarplaneError(() => combineSpaces(null as never)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('splitConfiguration', () => {
  it('splits on the first dot only', () => {
    expect(splitConfiguration({ 'org.coder.x': 1, 'team.size': 3 })).toEqual({
      org: { 'coder.x': 1 },
      team: { size: 3 },
    });
  });

  it('rejects an unprefixed key', () => {
    const error = catchVarplaneError(() => splitConfiguration({ size: 3 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('"size"');
  });
});
