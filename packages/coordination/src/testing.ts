/**
 * The conformance kit: vitest suites a strategy plugin runs against itself. Import it from
 * `@varplane/coordination/testing` in a test file (vitest is an optional peer dependency).
 */
import {
  type AgentPort,
  type ConflictResolutionStrategy,
  type ConsensusStrategy,
  createManualClock,
  createRandom,
  createStrategyRegistry,
  type ManualClock,
  type NegotiationStrategy,
  type Random,
  type ResourceAllocationStrategy,
  STRATEGY_METHODS,
  type StrategyContext,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { conflictKind } from './internal/conformance/conflict-kind';
import { consensusKind } from './internal/conformance/consensus-kind';
import type {
  ConflictCase,
  ConsensusCase,
  KindAdapter,
  NegotiationCase,
  ResourceCase,
} from './internal/conformance/kind-adapter';
import { negotiationKind } from './internal/conformance/negotiation-kind';
import { resourceKind } from './internal/conformance/resource-kind';

export type { AgentHandler, InMemoryAgentPort } from './in-memory-agent-port';
export { createInMemoryAgentPort } from './in-memory-agent-port';
export type { ConflictCase, ConsensusCase, NegotiationCase, ResourceCase };

/** A strategy of a kind this package runs: negotiation, consensus, conflicts or resources. */
export type CoordinationStrategyPlugin =
  | NegotiationStrategy
  | ConsensusStrategy
  | ConflictResolutionStrategy
  | ResourceAllocationStrategy;

export interface ConformanceOptions<C> {
  /**
   * Makes one valid input from a seeded random source. The default fits most strategies of the
   * kind (numeric preferences, yes/no votes, numeric or choice conflicts, 1-4 resource types); pass
   * one when the strategy needs more (orders with `side`, utilities, choice values).
   */
  generate?: (random: Random) => C;
  /** Generated inputs per check (default 25). */
  runs?: number;
  /** Seed of the generated inputs, so a failure replays (default 1). */
  seed?: number;
  /**
   * Error codes the strategy may end a valid input with, besides the kind's own (for example
   * `NEGOTIATION_INFEASIBLE` when a reserve price is not met).
   */
  expectedErrors?: readonly string[];
  /** The timeout the containment checks give the strategy, in ms on a manual clock (default 1,000). */
  timeoutMs?: number;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown } | { ok: 'hung' };

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits for `promise`, moving the manual clock to its next timer whenever the program is idle.
 * Reports `hung` when nothing is left to run and the promise is still pending.
 */
async function settle(promise: Promise<unknown>, clock: ManualClock): Promise<Outcome> {
  let outcome: Outcome | undefined;
  promise.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  for (let step = 0; step < 100_000 && outcome === undefined; step++) {
    await macrotask();
    if (outcome === undefined && !clock.runNext()) {
      await macrotask();
      if (outcome === undefined && clock.pending() === 0) return { ok: 'hung' };
    }
  }
  return outcome ?? { ok: 'hung' };
}

async function attempt(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Errors as data, so two runs can be compared. */
function describeOutcome(outcome: Outcome): unknown {
  if (outcome.ok === true) return { value: outcome.value };
  if (outcome.ok === 'hung') return 'hung';
  const error = outcome.error;
  return VarplaneError.isInstance(error)
    ? { code: error.code, message: error.message }
    : { thrown: String(error) };
}

const silentPort: AgentPort = { ask: () => new Promise<unknown>(() => {}) };
const failingPort: AgentPort = {
  ask: (agent) => Promise.reject(new Error(`agent ${agent} crashed`)),
};

function runConformance<S extends CoordinationStrategyPlugin, C>(
  strategy: S,
  kind: KindAdapter<S, C>,
  options: ConformanceOptions<C>,
): void {
  const runs = options.runs ?? 25;
  const seed = options.seed ?? 1;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const expected = new Set([...kind.expectedErrors, ...(options.expectedErrors ?? [])]);
  const generate = options.generate ?? kind.generate;
  const cases = (): C[] => {
    const random = createRandom(seed);
    return Array.from({ length: runs }, () => generate(random));
  };
  const method = kind.method;
  // Copies keep the prototype chain, so strategies written as classes keep working.
  const withMethod = (body: (...args: unknown[]) => unknown): S =>
    Object.assign(Object.create(strategy) as S, { [method]: body });
  const replaceMethod = (body: (context: StrategyContext) => unknown): S =>
    withMethod((...args) => body(args[args.length - 1] as StrategyContext));

  /** One run on a fresh manual clock from 0, so time-dependent results (schedules) replay too. */
  const execute = (target: S, input: C, runSeed: number, agents?: AgentPort): Promise<Outcome> => {
    const clock = createManualClock();
    const setup =
      agents === undefined
        ? { seed: runSeed, clock, timeoutMs }
        : { seed: runSeed, clock, agents, timeoutMs };
    return settle(kind.run(target, input, setup), clock);
  };

  /** Checks one outcome on a valid input: a conforming result, or an expected typed error. */
  const judge = (input: C, outcome: Outcome, where: string): void => {
    if (outcome.ok === 'hung') expect.fail(`${where}: the operation never settled`);
    if (outcome.ok === true) {
      expect(kind.check(input, outcome.value), where).toEqual([]);
      return;
    }
    const error = outcome.error;
    expect(VarplaneError.isInstance(error), `${where}: threw an untyped ${String(error)}`).toBe(
      true,
    );
    const code = (error as VarplaneError).code;
    expect(
      expected.has(code),
      `${where}: unexpected error ${code}: ${(error as Error).message}`,
    ).toBe(true);
  };

  describe(`${strategy.kind} strategy ${JSON.stringify(strategy.name)} conformance`, () => {
    describe('interface', () => {
      it('declares its kind, a registrable name and specificationVersion v1', () => {
        expect(strategy.specificationVersion).toBe('v1');
        expect(strategy.name).toMatch(/^[a-z0-9][a-z0-9_.:-]*$/);
        expect(
          typeof (strategy as unknown as Record<string, unknown>)[STRATEGY_METHODS[strategy.kind]],
        ).toBe('function');
      });

      it('registers at runtime and is found by name', () => {
        const registry = createStrategyRegistry().register(strategy);
        expect(registry.get(strategy.kind, strategy.name)).toBe(strategy);
        expect(registry.list(strategy.kind)).toEqual([strategy]);
      });

      it('leaves its input unchanged', async () => {
        for (const input of cases().slice(0, 5)) {
          const before = JSON.stringify(input);
          await execute(strategy, input, seed);
          expect(JSON.stringify(input)).toBe(before);
        }
      });
    });

    describe('determinism', () => {
      it('gives the same outcome for the same seed', async () => {
        for (const [i, input] of cases().entries()) {
          const first = describeOutcome(await execute(strategy, input, seed + i));
          const second = describeOutcome(await execute(strategy, input, seed + i));
          expect(second, `input ${i}: ${JSON.stringify(input)}`).toEqual(first);
        }
      });
    });

    describe('constraints', () => {
      it(`respects the invariants of a ${strategy.kind} result on ${runs} generated inputs`, async () => {
        for (const [i, input] of cases().entries()) {
          const outcome = await execute(strategy, input, seed + i);
          judge(input, outcome, `input ${i}: ${JSON.stringify(input)}`);
        }
      });
    });

    describe('errors', () => {
      for (const bad of kind.badInputs) {
        it(`refuses ${bad.name} with ${bad.code}, without running the strategy`, async () => {
          let calls = 0;
          const original = (strategy as unknown as Record<string, (...a: unknown[]) => unknown>)[
            method
          ];
          const spy = withMethod((...args) => {
            calls += 1;
            return original?.apply(strategy, args);
          });
          const outcome = await attempt(() => bad.run(spy));
          expect(outcome.ok).toBe(false);
          const error = (outcome as { error: unknown }).error;
          expect(VarplaneError.isInstance(error, bad.code), `got ${String(error)}`).toBe(true);
          expect(calls).toBe(0);
        });
      }
    });

    describe('containment', () => {
      const input = () => cases()[0] as C;

      it('a throw inside the strategy becomes STRATEGY_FAILED, naming it', async () => {
        const throwing = replaceMethod(() => {
          throw new Error('plugin bug');
        });
        const outcome = await execute(throwing, input(), seed);
        expect(outcome.ok).toBe(false);
        const error = (outcome as { error: unknown }).error;
        expect(VarplaneError.isInstance(error, 'STRATEGY_FAILED')).toBe(true);
        expect((error as Error).message).toContain(strategy.name);
        expect((error as Error).cause).toBeInstanceOf(Error);
      });

      it('a rejected promise becomes STRATEGY_FAILED', async () => {
        const rejecting = replaceMethod(() => Promise.reject(new Error('async plugin bug')));
        const outcome = await execute(rejecting, input(), seed);
        expect(
          VarplaneError.isInstance((outcome as { error?: unknown }).error, 'STRATEGY_FAILED'),
        ).toBe(true);
      });

      it('a hang becomes STRATEGY_TIMEOUT after the timeout, and the strategy is told to stop', async () => {
        const clock = createManualClock();
        let signal: AbortSignal | undefined;
        const hanging = replaceMethod((context) => {
          signal = context.signal;
          return new Promise(() => {});
        });
        const outcome = await settle(kind.run(hanging, input(), { seed, clock, timeoutMs }), clock);
        expect(outcome.ok).toBe(false);
        expect(
          VarplaneError.isInstance((outcome as { error?: unknown }).error, 'STRATEGY_TIMEOUT'),
        ).toBe(true);
        expect(clock.now()).toBe(timeoutMs);
        expect(signal?.aborted).toBe(true);
      });

      for (const [name, agents] of [
        ['never answer', silentPort],
        ['fail', failingPort],
      ] as const) {
        it(`settles, with a result or a typed error, when live agents ${name}`, async () => {
          for (const [i, each] of cases().slice(0, 5).entries()) {
            const outcome = await execute(strategy, each, seed, agents);
            expect(outcome.ok, `input ${i} never settled`).not.toBe('hung');
            if (outcome.ok === true) expect(kind.check(each, outcome.value)).toEqual([]);
            else expect(VarplaneError.isInstance((outcome as { error: unknown }).error)).toBe(true);
          }
        });
      }
    });
  });
}

/**
 * Declares the conformance suites for a strategy plugin: its interface (kind, name,
 * `specificationVersion`, method, registration by name, input left unchanged), determinism under a
 * seed, the invariants of its kind on generated inputs (a negotiated value satisfies the
 * constraints; accepted and rejected changes partition the proposal and the silent are named
 * absent; one resolution per conflict with values someone asked for; no grant above the request or
 * the available amount), typed errors for bad input before the plugin runs, and containment (a
 * throw is `STRATEGY_FAILED`, a hang is `STRATEGY_TIMEOUT` with its signal aborted, and silent or
 * failing live agents never hang the operation). Call it at the top level of a test file.
 *
 * @example
 * import { describeStrategyConformance } from '@varplane/coordination/testing';
 * describeStrategyConformance(createNashBargaining());
 */
export function describeStrategyConformance(
  strategy: NegotiationStrategy,
  options?: ConformanceOptions<NegotiationCase>,
): void;
export function describeStrategyConformance(
  strategy: ConsensusStrategy,
  options?: ConformanceOptions<ConsensusCase>,
): void;
export function describeStrategyConformance(
  strategy: ConflictResolutionStrategy,
  options?: ConformanceOptions<ConflictCase>,
): void;
export function describeStrategyConformance(
  strategy: ResourceAllocationStrategy,
  options?: ConformanceOptions<ResourceCase>,
): void;
export function describeStrategyConformance(
  strategy: CoordinationStrategyPlugin,
  options: ConformanceOptions<unknown> = {},
): void {
  // The overloads tie each kind to its input type; here the kind picks the adapter.
  switch (strategy.kind) {
    case 'negotiation':
      runConformance(strategy, negotiationKind, options as ConformanceOptions<NegotiationCase>);
      return;
    case 'consensus':
      runConformance(strategy, consensusKind, options as ConformanceOptions<ConsensusCase>);
      return;
    case 'conflict-resolution':
      runConformance(strategy, conflictKind, options as ConformanceOptions<ConflictCase>);
      return;
    case 'resource-allocation':
      runConformance(strategy, resourceKind, options as ConformanceOptions<ResourceCase>);
      return;
    default:
      throw new VarplaneError({
        code: 'INVALID_ARGUMENT',
        message: `describeStrategyConformance: no conformance suite for ${(strategy as { kind?: unknown }).kind} strategies`,
      });
  }
}

/** The generators behind the default inputs, for plugins that want to build on them. */
export const generateDefaultCase = {
  negotiation: negotiationKind.generate,
  consensus: consensusKind.generate,
  conflictResolution: conflictKind.generate,
  resourceAllocation: resourceKind.generate,
} as const;
