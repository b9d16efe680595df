import { describe, expect, it } from 'vitest';
import { ConfigurationError, SamplingError } from './errors';
import { createMixedSpace, examplePool, mixedConfiguration } from './internal/mixed-space.fixture';
import { catchVarplaneError } from './internal/testing';
import { createRandom } from './random';
import { createVariableSpace } from './variable-space';
import { boolean } from './variables/boolean';
import { choice } from './variables/choice';
import { composite } from './variables/composite';
import { demos } from './variables/demos';
import { float } from './variables/float';
import { integer } from './variables/integer';
import { text } from './variables/text';

const add = composite('sum', {
  dependencies: ['a', 'b'],
  compute: ({ a, b }) => (a as number) + (b as number),
});

describe('createVariableSpace: definition errors', () => {
  it('rejects duplicate ids', () => {
    const error = catchVarplaneError(() =>
      createVariableSpace([boolean('a'), boolean('b'), boolean('a')]),
    );
    expect(error.code).toBe('SPACE_DUPLICATE_VARIABLE');
    expect(error.name).toBe('SpaceDefinitionError');
    expect(error.message).toContain('"a" appears more than once');
    expect(error.issues?.[0]?.path).toBe('variables[2].id');
  });

  it('rejects an unknown dependency, naming both ends', () => {
    const error = catchVarplaneError(() =>
      createVariableSpace([integer('a', { range: [0, 1], default: 0 }), add]),
    );
    expect(error.code).toBe('SPACE_UNKNOWN_DEPENDENCY');
    expect(error.message).toBe(
      'createVariableSpace: variable "sum" depends on unknown variable "b"',
    );
  });

  it('rejects cycles through composites and conditions, showing the path', () => {
    const viaCondition = catchVarplaneError(() =>
      createVariableSpace([
        boolean('a', { condition: { variable: 'c', when: { equals: 1 } } }),
        composite('c', { dependencies: ['a'], compute: () => 1 }),
      ]),
    );
    expect(viaCondition.code).toBe('SPACE_DEPENDENCY_CYCLE');
    expect(viaCondition.message).toBe('createVariableSpace: dependency cycle a -> c -> a');
    const self = catchVarplaneError(() =>
      createVariableSpace([composite('x', { dependencies: ['x'], compute: () => 1 })]),
    );
    expect(self.message).toContain('dependency cycle x -> x');
  });

  it('rejects malformed arguments', () => {
    expect(catchVarplaneError(() => createVariableSpace('x' as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    const junk = catchVarplaneError(() => createVariableSpace([{ kind: 'float' } as never]));
    expect(junk.code).toBe('INVALID_ARGUMENT');
    expect(junk.issues?.[0]?.path).toBe('variables[0]');
    const attempts = catchVarplaneError(() => createVariableSpace([], { maxAttempts: 0 }));
    expect(attempts.code).toBe('INVALID_ARGUMENT');
    expect(attempts.issues?.[0]?.path).toBe('options.maxAttempts');
  });

  it('rejects a space constraint on an unknown path', () => {
    const error = catchVarplaneError(() =>
      createVariableSpace([boolean('a')], {
        constraints: [{ name: 'r', paths: ['b'], check: () => true }],
      }),
    );
    expect(error.code).toBe('SPACE_UNKNOWN_DEPENDENCY');
    expect(error.message).toContain('"b"');
  });

  it('lists variables in dependency order', () => {
    const space = createMixedSpace();
    const ids = space.variables.map((variable) => variable.id);
    for (const variable of space.variables) {
      for (const dependency of variable.dependencies) {
        expect(ids.indexOf(dependency)).toBeLessThan(ids.indexOf(variable.id));
      }
    }
    expect(ids.indexOf('tokenBudget')).toBeLessThan(ids.indexOf('costClass'));
    expect(space.get('retries')?.kind).toBe('integer');
    expect(space.get('missing')).toBeUndefined();
  });
});

describe('validate', () => {
  const space = createMixedSpace();

  it('fills defaults, drops inactive variables and computes composites in order', () => {
    expect(space.defaults()).toEqual({
      model: 'gpt-4o',
      temperature: 0.7,
      topP: 1,
      learningRate: 0.001,
      maxTokens: 1024,
      retries: 1,
      tokenBudget: 2048,
      costClass: 'low',
      useTools: true,
      toolChoice: 'auto',
      maxToolCalls: 3,
      retriever: 'bm25',
      instruction: 'Answer the question.',
      persona: 'assistant',
      examples: [],
      strategy: 'predict',
      penalty: 0,
    });
    const full = space.validate(mixedConfiguration);
    expect(full).toMatchObject({
      tokenBudget: 6144,
      costClass: 'low',
      rerankDepth: 20,
      reactSteps: 5,
    });
    expect(space.validate({ maxTokens: 4096, retries: 2 })).toMatchObject({
      tokenBudget: 12288,
      costClass: 'high',
    });
  });

  it('drops a value given for an inactive variable without an issue', () => {
    const out = space.validate({ useTools: false, toolChoice: 'required', maxToolCalls: 99 });
    expect(out).not.toHaveProperty('toolChoice');
    expect(out).not.toHaveProperty('maxToolCalls');
    expect(out.useTools).toBe(false);
  });

  it('rounds floats to their precision and normalizes -0', () => {
    const out = space.validate({ temperature: 0.123456, penalty: 0.04, topP: 0.999 });
    expect(out.temperature).toBe(0.12);
    expect(out.topP).toBe(1);
    expect(out).not.toHaveProperty('penalty'); // temperature 0.12 is outside [0.5, 2]
    expect(Object.is(space.validate({ temperature: 0.6, penalty: -0.04 }).penalty, 0)).toBe(true);
  });

  it('reports every problem at once, with paths and values', () => {
    const error = catchVarplaneError(() =>
      space.validate({
        temperature: Number.NaN,
        topP: Number.POSITIVE_INFINITY,
        maxTokens: 100,
        model: 'gpt-5',
        examples: [examplePool[0], { question: 'q', answer: 7 }],
        costClass: 'high',
        extra: 1,
      }),
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.code).toBe('CONFIGURATION_INVALID');
    // In dependency order: the composites listed first pull maxTokens ahead of the rest.
    expect(error.issues).toEqual([
      { path: 'maxTokens', message: 'must be 64 plus a multiple of 64', value: 100 },
      {
        path: 'model',
        message: 'must be one of ["gpt-4o","gpt-4o-mini","llama3"]',
        value: 'gpt-5',
      },
      { path: 'temperature', message: 'must be a finite number', value: Number.NaN },
      { path: 'topP', message: 'must be a finite number', value: Number.POSITIVE_INFINITY },
      { path: 'examples[1].answer', message: expect.stringContaining('string'), value: 7 },
      { path: 'extra', message: 'is not a variable of this space', value: 1 },
    ]);
    expect(error.message).toContain('maxTokens: must be 64 plus a multiple of 64 (got 100)');
  });

  it('reports a given composite value that differs from the computed one', () => {
    const result = space.check({ maxTokens: 64, retries: 0, tokenBudget: 65 });
    expect(result).toEqual({
      ok: false,
      issues: [{ path: 'tokenBudget', message: 'must equal its computed value 64', value: 65 }],
    });
    expect(space.check({ maxTokens: 64, retries: 0, tokenBudget: 64 }).ok).toBe(true);
  });

  it('applies variable and space constraints', () => {
    const result = space.check({ temperature: 1.8, topP: 0.2, maxTokens: 4096, retries: 5 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toEqual([
        { path: 'topP', message: 'topP below 0.3 needs a temperature of at most 1.5', value: 0.2 },
        { path: 'tokenBudget', message: 'token-budget: budget 24576 exceeds 20000', value: 24576 },
      ]);
    }
  });

  it('turns a throwing compute, condition or constraint into issues', () => {
    const broken = createVariableSpace([
      integer('a', { range: [0, 3], default: 1 }),
      composite('c', {
        dependencies: ['a'],
        compute: () => {
          throw new Error('boom');
        },
      }),
      boolean('b', {
        condition: {
          variable: 'a',
          when: () => {
            throw new Error('bad');
          },
        },
      }),
      boolean('d', {
        constraints: [
          {
            message: 'never',
            check: () => {
              throw new Error('oops');
            },
          },
        ],
      }),
      composite('nan', { dependencies: ['a'], compute: () => Number.NaN }),
    ]);
    expect(broken.check({})).toEqual({
      ok: false,
      issues: [
        { path: 'c', message: 'compute threw: boom' },
        { path: 'b', message: 'condition threw: bad' },
        { path: 'nan', message: 'must be a finite number', value: Number.NaN },
        // Constraints run once every value is in place.
        { path: 'd', message: 'constraint "never" threw: oops', value: false },
      ],
    });
  });

  it("checks each kind's own domain", () => {
    const kinds = createVariableSpace([
      choice('model', { choices: ['a', 'b'], allowCustom: true }),
      text('note', { default: 'ok', minLength: 2, maxLength: 4 }),
      demos('shots', { maxCount: 2, pool: [1, 2, 3] }),
      integer('n', { range: [0, 10], step: 5, default: 0 }),
    ]);
    expect(kinds.validate({ model: 'custom', note: 'four', shots: [3, 1], n: 10 })).toEqual({
      model: 'custom',
      note: 'four',
      shots: [3, 1],
      n: 10,
    });
    const result = kinds.check({ model: 7, note: 'x', shots: [1, 2, 3], n: 7 });
    expect(result.ok ? [] : result.issues).toEqual([
      { path: 'model', message: 'must be one of ["a","b"]', value: 7 },
      { path: 'note', message: 'must have 2 to 4 characters', value: 'x' },
      { path: 'shots', message: 'must hold at most 2 examples', value: [1, 2, 3] },
      { path: 'n', message: 'must be 0 plus a multiple of 5', value: 7 },
    ]);
  });

  it('rejects a non-object configuration', () => {
    for (const input of [null, [], 'x', 3]) {
      const error = catchVarplaneError(() => space.validate(input as never));
      expect(error.code).toBe('CONFIGURATION_INVALID');
      expect(error.issues?.[0]).toMatchObject({ path: '', value: input });
    }
  });

  it('never reads Object.prototype members as values', () => {
    const odd = createVariableSpace([text('constructor', { default: 'x' }), boolean('toString')]);
    expect(odd.validate({})).toEqual({ constructor: 'x', toString: false });
    expect(odd.validate({ toString: true })).toEqual({ constructor: 'x', toString: true });
  });
});

describe('isActive', () => {
  const space = createMixedSpace();

  it('follows nested conditions on a partial configuration', () => {
    expect(space.isActive('rerankDepth', { retriever: 'dense', rerank: true })).toBe(true);
    expect(space.isActive('rerankDepth', { retriever: 'bm25', rerank: true })).toBe(false);
    expect(space.isActive('rerankDepth', { retriever: 'dense' })).toBe(false);
    expect(space.isActive('toolChoice', {})).toBe(true);
    expect(space.isActive('model', {})).toBe(true);
  });

  it('throws on an unknown id', () => {
    expect(catchVarplaneError(() => space.isActive('nope', {})).code).toBe('INVALID_ARGUMENT');
  });
});

describe('sample', () => {
  it('is replayable from the seed and always valid', () => {
    const space = createMixedSpace();
    const first = space.sampleMany(20, createRandom(11));
    expect(space.sampleMany(20, createRandom(11))).toEqual(first);
    for (const configuration of first) expect(space.validate(configuration)).toEqual(configuration);
    expect(new Set(first.map((configuration) => JSON.stringify(configuration))).size).toBe(20);
  });

  it('honours weights, steps, log scale and frozen hints', () => {
    const space = createVariableSpace([
      choice('c', { choices: ['never', 'always'], weights: [0, 1] }),
      integer('n', { range: [8, 128], step: 8, default: 8 }),
      float('lr', { range: [1e-6, 1], default: 0.01, distribution: 'log' }),
      float('fixed', { range: [0, 1], default: 0.25, hints: { frozen: true } }),
    ]);
    const samples = space.sampleMany(400, createRandom(5));
    expect(samples.every((s) => s.c === 'always')).toBe(true);
    expect(samples.every((s) => (s.n as number) % 8 === 0)).toBe(true);
    expect(samples.every((s) => s.fixed === 0.25)).toBe(true);
    // Log-uniform over six decades puts about half the draws below 1e-3.
    const small = samples.filter((s) => (s.lr as number) < 1e-3).length;
    expect(small).toBeGreaterThan(150);
    expect(small).toBeLessThan(250);
  });

  it('gives up after maxAttempts with a SamplingError carrying the last issues', () => {
    let calls = 0;
    const space = createVariableSpace([integer('n', { range: [0, 9], default: 0 })], {
      constraints: [
        {
          name: 'impossible',
          paths: ['n'],
          check: () => {
            calls++;
            return false;
          },
        },
      ],
      maxAttempts: 7,
    });
    const error = catchVarplaneError(() => space.sample(createRandom(1)));
    expect(error).toBeInstanceOf(SamplingError);
    expect(error.code).toBe('SAMPLING_EXHAUSTED');
    expect((error as SamplingError).attempts).toBe(7);
    expect(calls).toBe(7);
    expect(error.issues?.[0]).toMatchObject({
      path: 'n',
      message: 'violates constraint "impossible"',
    });
    expect(
      catchVarplaneError(() => space.sample(createRandom(1), { maxAttempts: 3 })),
    ).toMatchObject({ attempts: 3 });
    expect(calls).toBe(10);
  });

  it('checks its arguments', () => {
    const space = createMixedSpace();
    expect(catchVarplaneError(() => space.sample({} as never)).code).toBe('INVALID_ARGUMENT');
    expect(catchVarplaneError(() => space.sample(createRandom(1), { maxAttempts: 1.5 })).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(catchVarplaneError(() => space.sampleMany(-1, createRandom(1))).code).toBe(
      'INVALID_ARGUMENT',
    );
  });
});

describe('mutate', () => {
  it('moves to a valid neighbour and never moves frozen variables', () => {
    const space = createMixedSpace();
    const random = createRandom(3);
    let current = space.validate(mixedConfiguration);
    let changed = 0;
    for (let step = 0; step < 200; step++) {
      const next = space.mutate(current, random, 0.3);
      expect(space.validate(next)).toEqual(next);
      expect(next.persona).toBe('assistant');
      if (JSON.stringify(next) !== JSON.stringify(current)) changed++;
      current = next;
    }
    expect(changed).toBeGreaterThan(180);
  });

  it('samples variables its move activates', () => {
    const space = createVariableSpace([
      boolean('on'),
      integer('n', {
        range: [1, 9],
        default: 1,
        condition: { variable: 'on', when: { equals: true } },
      }),
    ]);
    const seen = new Set<unknown>();
    const random = createRandom(8);
    for (let i = 0; i < 50; i++) seen.add(space.mutate({ on: false }, random, 1).n);
    expect(seen.has(undefined)).toBe(false);
    expect(seen.size).toBeGreaterThan(3);
  });

  it('returns the input when no valid neighbour exists', () => {
    const space = createVariableSpace([boolean('a'), boolean('b')], {
      constraints: [{ name: 'stay', paths: ['a'], check: (c) => c.a === false && c.b === false }],
    });
    expect(space.mutate({ a: false, b: false }, createRandom(1), 1)).toEqual({
      a: false,
      b: false,
    });
  });

  it('moves a log float in log space and an integer by whole steps', () => {
    const space = createVariableSpace([
      float('lr', { range: [1e-6, 1], default: 1e-4, distribution: 'log' }),
      integer('n', { range: [0, 100], step: 5, default: 50 }),
    ]);
    const random = createRandom(4);
    const ratios: number[] = [];
    for (let i = 0; i < 100; i++) {
      const next = space.mutate({ lr: 1e-4, n: 50 }, random, 0.1);
      ratios.push(Math.abs(Math.log10(next.lr as number) + 4));
      expect((next.n as number) % 5).toBe(0);
    }
    // A 0.1-strength step spans about 0.6 decades, whatever the magnitude.
    const mean = ratios.reduce((sum, r) => sum + r, 0) / ratios.length;
    expect(mean).toBeGreaterThan(0.1);
    expect(mean).toBeLessThan(1.5);
  });

  it('checks strength and the configuration', () => {
    const space = createMixedSpace();
    expect(catchVarplaneError(() => space.mutate(space.defaults(), createRandom(1), 2)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(catchVarplaneError(() => space.mutate({ model: 'x' }, createRandom(1), 0.5)).code).toBe(
      'CONFIGURATION_INVALID',
    );
  });
});

describe('dimensionality, serialize and parse', () => {
  it('counts searchable dimensions', () => {
    // Floats: temperature, topP, learningRate, penalty. Frozen persona and composites are out.
    expect(createMixedSpace().dimensionality()).toEqual({ discrete: 13, continuous: 4, total: 17 });
    const degenerate = createVariableSpace([
      choice('one', { choices: ['only'] }),
      float('point', { range: [1, 1], default: 1 }),
      text('free', { default: 'x' }),
      demos('none', { maxCount: 3 }),
    ]);
    expect(degenerate.dimensionality()).toEqual({ discrete: 0, continuous: 0, total: 0 });
  });

  it('round-trips through JSON exactly', () => {
    const space = createMixedSpace();
    const configuration = space.validate(mixedConfiguration);
    const textForm = space.serialize(configuration);
    expect(JSON.parse(textForm)).toEqual(configuration);
    expect(space.parse(textForm)).toEqual(configuration);
  });

  it('reports malformed JSON and invalid parsed values with their own codes', () => {
    const space = createMixedSpace();
    const malformed = catchVarplaneError(() => space.parse('{"model": '));
    expect(malformed.code).toBe('CONFIGURATION_MALFORMED_JSON');
    expect(malformed.message).toContain('is not valid JSON');
    expect(catchVarplaneError(() => space.parse(42 as never)).code).toBe(
      'CONFIGURATION_MALFORMED_JSON',
    );
    expect(catchVarplaneError(() => space.parse('[1]')).code).toBe('CONFIGURATION_INVALID');
    expect(catchVarplaneError(() => space.parse('{"temperature": 9}')).issues).toEqual([
      { path: 'temperature', message: 'must be within [0, 2]', value: 9 },
    ]);
  });
});
