import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VarplaneError } from './errors';
import { createMixedSpace, examplePool } from './internal/mixed-space.fixture';
import { violations } from './internal/testing';
import { createRandom } from './random';
import type { Variable } from './variable';
import { type Configuration, createVariableSpace } from './variable-space';
import { composite } from './variables/composite';
import { float } from './variables/float';
import { integer } from './variables/integer';

const space = createMixedSpace();
const settings = { seed: 20240611, numRuns: 300 };

/** Values of a variable's domain (or near it: wrong grid, too long, wrong example shape). */
function domainArbitrary(variable: Variable): fc.Arbitrary<unknown> {
  switch (variable.kind) {
    case 'float':
      return fc.double({ min: variable.range[0], max: variable.range[1], noNaN: true });
    case 'integer': {
      const [min, max] = variable.range;
      return fc.integer({ min, max }).map((n) => n - ((n - min) % variable.step));
    }
    case 'choice':
      return fc.constantFrom(...variable.choices);
    case 'boolean':
      return fc.boolean();
    case 'module':
      return fc.constantFrom(
        ...variable.implementations.map((implementation) => implementation.name),
      );
    case 'text':
      return fc.string({ maxLength: 220 });
    case 'demos': {
      const example = fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...examplePool) },
        {
          weight: 1,
          arbitrary: fc.record({
            question: fc.string(),
            answer: fc.oneof(fc.string(), fc.integer()),
          }),
        },
        { weight: 1, arbitrary: fc.anything() },
      );
      return fc.array(example, { maxLength: 4 });
    }
    case 'composite':
      return fc.oneof(fc.integer({ min: 0, max: 30_000 }), fc.constantFrom('high', 'low'));
  }
}

const junk = fc.oneof(
  fc.anything(),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.constantFrom(-0, Number.NaN, Number.POSITIVE_INFINITY, null, '', [], {}),
);

/** Mostly plausible values with junk sprinkled in; composites are usually left out. */
function valueArbitrary(variable: Variable): fc.Arbitrary<unknown> {
  if (variable.kind === 'composite') {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: domainArbitrary(variable) },
      { weight: 1, arbitrary: junk },
    );
  }
  return fc.oneof(
    { weight: 40, arbitrary: domainArbitrary(variable) },
    { weight: 1, arbitrary: junk },
  );
}

const configurationArbitrary = fc
  .tuple(
    fc.record(
      Object.fromEntries(
        space.variables.map((variable) => [variable.id, valueArbitrary(variable)]),
      ),
      { requiredKeys: [] },
    ),
    fc.option(fc.dictionary(fc.string(), fc.anything(), { maxKeys: 2 }), { freq: 10 }),
  )
  .map(([known, extra]) => ({ ...known, ...(extra ?? {}) }));

function expectValid(configuration: Configuration): void {
  expect(violations(space, configuration)).toEqual([]);
  expect(space.validate(configuration)).toEqual(configuration);
  // Exact JSON round trip, -0 included.
  const back = space.parse(space.serialize(configuration));
  expect(back).toEqual(configuration);
  expect(JSON.stringify(back)).toBe(JSON.stringify(configuration));
}

describe('variable space properties', () => {
  it('never accepts an invalid configuration', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(configurationArbitrary, (input) => {
        const result = space.check(input);
        if (result.ok) {
          accepted++;
          expectValid(result.configuration);
        } else {
          rejected++;
          expect(result.issues.length).toBeGreaterThan(0);
          expect(() => space.validate(input)).toThrow(
            expect.objectContaining({ code: 'CONFIGURATION_INVALID' }),
          );
        }
      }),
      { ...settings, numRuns: 1000 },
    );
    // Both outcomes must be common, or the property proves little.
    expect(accepted).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(50);
  });

  it('every sampled configuration validates and round-trips', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expectValid(space.sample(createRandom(seed)));
      }),
      settings,
    );
  });

  it('every mutated configuration validates, round-trips and keeps frozen values', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        (seed, strengths) => {
          const random = createRandom(seed);
          let current = space.sample(random);
          for (const strength of strengths) {
            current = space.mutate(current, random, strength);
            expectValid(current);
            expect(current.persona).toBe('assistant');
          }
        },
      ),
      { ...settings, numRuns: 150 },
    );
  });

  it('computes composites of composites in dependency order, whatever the listing order', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((length) =>
            fc.tuple(
              fc.constant(length),
              fc.shuffledSubarray([...Array(length + 1).keys()], { minLength: length + 1 }),
            ),
          ),
        fc.integer({ min: 0, max: 100 }),
        ([length, listing], start) => {
          // step0 is the base; step i = step i-1 + i.
          const variables: Variable[] = [...Array(length + 1).keys()].map((i) =>
            i === 0
              ? integer('step0', { range: [0, 100], default: 0 })
              : composite(`step${i}`, {
                  dependencies: [`step${i - 1}`],
                  compute: (values) => (values[`step${i - 1}`] as number) + i,
                }),
          );
          const chain = createVariableSpace(listing.map((i) => variables[i] as Variable));
          const out = chain.validate({ step0: start });
          for (let i = 0; i <= length; i++) expect(out[`step${i}`]).toBe(start + (i * (i + 1)) / 2);
          expect(chain.variables.map((variable) => variable.id)).toEqual(
            [...Array(length + 1).keys()].map((i) => `step${i}`),
          );
        },
      ),
      settings,
    );
  });

  it('floats of any range, precision and scale sample and mutate onto their grid', () => {
    const definition = fc.record({
      low: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      width: fc.double({ min: 0, max: 1e6, noNaN: true }),
      precision: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
      log: fc.boolean(),
    });
    fc.assert(
      fc.property(definition, fc.integer(), ({ low, width, precision, log }, seed) => {
        const min = log ? Math.abs(low) + 1e-3 : low;
        let variable: Variable;
        try {
          variable = float('x', {
            range: [min, min + width],
            default: min + width / 2,
            distribution: log ? 'log' : 'uniform',
            ...(precision === undefined ? {} : { precision }),
          });
        } catch (error) {
          // Narrow ranges may hold no grid value, or round the default out: a definition error.
          expect(VarplaneError.isInstance(error)).toBe(true);
          return;
        }
        const single = createVariableSpace([variable]);
        const random = createRandom(seed);
        let current = single.sample(random);
        for (let i = 0; i < 10; i++) {
          expect(violations(single, current)).toEqual([]);
          current = i % 2 === 0 ? single.sample(random) : single.mutate(current, random, i / 10);
        }
      }),
      settings,
    );
  });
});
