import {
  addOrchestrationVariable,
  agentSelection,
  createManualClock,
  createMultiAgentSpace,
  createRandom,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from './actor-system';
import { backoffDelay } from './backoff';
import type { Behaviour } from './behaviour';
import {
  BudgetExhaustedError,
  CallTimeoutError,
  ConstraintViolationError,
  DirectiveError,
  MailboxFullError,
  RestartIntensityExceededError,
  SpaceNotRunningError,
  SpaceValidationError,
  StepTimeoutError,
  SystemStoppedError,
} from './errors';
import { run } from './internal/space-fixture';
import { createLiveTopology } from './live-topology';
import { createNameRegistry, withNameResolver } from './registry';
import { createResourceLedger, observeLedger } from './resource-ledger';
import { createDecider, defaultDecider, matchesError } from './restart-decisions';
import { createRestartWindow, recordRestart } from './restart-intensity';
import { createRouter } from './router';
import { teamHealth } from './running-space';
import { agentChildSpec, recoveryAction, recoveryDecider } from './space-agent';
import { MAX_DIRECTIVES } from './space-directives';
import { validateSpace } from './space-validation';

const HOSTILE = 'hostile value threw';

/** A Proxy whose every trap throws: reading it in any way throws its own error. */
const throwingProxy = (): object =>
  new Proxy(
    {},
    {
      get: () => {
        throw new Error(HOSTILE);
      },
      has: () => {
        throw new Error(HOSTILE);
      },
      ownKeys: () => {
        throw new Error(HOSTILE);
      },
      getPrototypeOf: () => {
        throw new Error(HOSTILE);
      },
      getOwnPropertyDescriptor: () => {
        throw new Error(HOSTILE);
      },
    },
  );

/** A plain object whose `id`, `node` and `timeout` getters throw. */
const throwingGetters = (): object => {
  const value = {};
  for (const key of ['id', 'node', 'timeout', 'reason', 'tokens', 'memory']) {
    Object.defineProperty(value, key, {
      enumerable: true,
      get() {
        throw new Error(HOSTILE);
      },
    });
  }
  return value;
};

/** What `run` threw (or the rejection it returned), asserted to be typed with `code`. */
async function codeOf(run: () => unknown): Promise<string> {
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(VarplaneError.isInstance(caught), `not a VarplaneError: ${String(caught)}`).toBe(true);
  return (caught as VarplaneError).code;
}

const idle: Behaviour<null, unknown> = { name: 'idle', handle: (_m, s) => s };

describe('error classes accept garbage', () => {
  const garbage = {
    undefined: () => undefined,
    null: () => null,
    symbol: () => Symbol('s'),
    'a null-prototype object': () => Object.create(null),
    'a throwing Proxy': throwingProxy,
    'a bigint': () => 10n,
  };
  it.each(Object.keys(garbage))('and are made with a stable code from %s', (name) => {
    const value = garbage[name as keyof typeof garbage]();
    const made = [
      new CallTimeoutError(value as never, value as never),
      new MailboxFullError(value as never, value as never, value as never),
      new StepTimeoutError(value as never, value as never, value as never),
      new BudgetExhaustedError(value as never, value as never, value as never, value as never),
      new RestartIntensityExceededError(value as never, value as never, value as never),
      new SpaceNotRunningError(value as never, value as never),
      new SystemStoppedError(value as never),
      new DirectiveError(value as never),
      new ConstraintViolationError(value as never),
      new SpaceValidationError(value, value as never),
    ];
    for (const error of made) {
      expect(VarplaneError.isInstance(error)).toBe(true);
      expect(error.code).toMatch(/^[A-Z][A-Z0-9_]*$/);
      expect(typeof error.message).toBe('string');
    }
    expect(new CallTimeoutError('a', 5).message).toBe('call to "a" got no reply within 5 ms');
  });
});

describe('the actor system refuses refs it cannot read', () => {
  it('in every method that takes one, with INVALID_ARGUMENT naming the argument', async () => {
    const system = createActorSystem({ clock: createManualClock() });
    const ref = system.spawn(idle, null);
    for (const bad of [throwingProxy(), throwingGetters(), null, 42, { id: 7, node: 'local' }]) {
      expect(await codeOf(() => system.send(bad as never, 'm'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.call(bad as never, 'm'))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.stop(bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.kill(bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.link(ref, bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.monitor(ref, bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.info(bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.suspend(bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.export(bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.register('n', bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(() => system.answer(bad as never, { ok: true, value: 1 }))).toBe(
        'INVALID_ARGUMENT',
      );
    }
    // A plain ref (not one this system made) is read once and works like the system's own.
    expect(system.send({ id: ref.id, node: ref.node }, 'm')).toBe(true);
    await system.shutdown();
  });

  it('and options, reasons and snapshots it cannot read', async () => {
    const system = createActorSystem({ clock: createManualClock() });
    const ref = system.spawn(idle, null);
    expect(await codeOf(() => system.call(ref, 'm', throwingGetters()))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.call(ref, 'm', 5 as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.stop(ref, throwingGetters()))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.stop(ref, { reason: 42 as never }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.kill(ref, 'crashed' as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.hotSwap(ref, idle, throwingGetters()))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => system.spawn(throwingGetters() as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.spawn(idle, null, throwingProxy()))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => system.adopt(throwingProxy() as never, { behaviour: idle }))).toBe(
      'SNAPSHOT_INVALID',
    );
    expect(await codeOf(() => system.adopt({} as never, throwingGetters() as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => system.answer({ id: 'x', node: 'n' }, { ok: 'yes' } as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => system.route('r', 'a' as never, 'round_robin'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => system.setNeighbours(5 as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => createActorSystem(throwingProxy()))).toBe('INVALID_ARGUMENT');
    // A reason with an error is still a reason.
    system.kill(ref, { error: { name: 'E', message: 'gone' } });
    expect(system.info(ref)).toBeUndefined();
    await system.shutdown();
  });
});

describe('resource books', () => {
  it('refuse unreadable or negative amounts, non-string holders and non-ledgers', async () => {
    const ledger = createResourceLedger();
    expect(await codeOf(() => ledger.reserve('a', throwingGetters()))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => ledger.spend('a', { tokens: Number.NaN }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => ledger.spend('a', { cost: -1 }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => ledger.spend('a', null as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => ledger.holding(5 as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => createResourceLedger(throwingProxy()))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => observeLedger({} as never, () => {}))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => observeLedger(ledger, 'x' as never))).toBe('INVALID_ARGUMENT');
    // `__proto__` is an ordinary holder.
    ledger.reserve('__proto__', { memory: 1 });
    expect(ledger.holding('__proto__')?.memory).toBe(1);
  });
});

describe('names, routes, topology and deciders', () => {
  it('refuse what they cannot use with INVALID_ARGUMENT', async () => {
    const registry = createNameRegistry();
    expect(await codeOf(() => registry.register('n', {} as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => registry.register('n', throwingProxy() as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => registry.whereis(5 as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => withNameResolver(registry, throwingProxy() as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => createRouter('random' as never, ['a'], () => 0))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => createRouter('round_robin', [], () => 0))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => createLiveTopology(true as never))).toBe('INVALID_ARGUMENT');
    const topology = createLiveTopology({ edges: [] } as never);
    expect(await codeOf(() => topology.setOverride('a', 'b' as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => createDecider({} as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => createDecider([], 'retry' as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => matchesError(new Error('e'), throwingProxy() as never))).toBe(
      'INVALID_ARGUMENT',
    );
    const throwing = () => {
      throw new Error(HOSTILE);
    };
    expect(await codeOf(() => matchesError(1, { test: throwing }))).toBe('INVALID_ARGUMENT');
    // An error that cannot be read matches nothing and is restarted, as any other.
    expect(defaultDecider(throwingProxy(), 'a')).toBe('restart');
    expect(matchesError(throwingProxy(), { instanceOf: Error })).toBe(false);
    expect(matchesError({ code: 'X' }, { code: ['X', 'Y'] })).toBe(true);
  });

  it('restart windows and backoff refuse malformed parts', async () => {
    expect(await codeOf(() => recordRestart(null as never, 0))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => recordRestart(throwingGetters() as never, 0))).toBe(
      'INVALID_ARGUMENT',
    );
    const window = createRestartWindow(1, 100);
    expect(await codeOf(() => recordRestart(window, Number.NaN))).toBe('INVALID_ARGUMENT');
    expect(recordRestart(window, 0)).toBe(true);
    expect(recordRestart(window, 50)).toBe(false);
    expect(await codeOf(() => createRestartWindow(-1, 5))).toBe('INVALID_ARGUMENT');
    const random = createRandom(1);
    expect(await codeOf(() => backoffDelay(Number.NaN, {} as never, random))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => backoffDelay(1, { factor: 0.5 } as never, random))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => backoffDelay(1, {} as never, {} as never))).toBe('INVALID_ARGUMENT');
    expect(backoffDelay(3, { initialMs: 100, jitter: 0 } as never, random)).toBe(400);
  });
});

describe('space helpers', () => {
  const recovery = {
    defaultAction: 'restart',
    perAgent: { coder: 'degrade' },
    fallbacks: {},
    maxRestarts: 3,
    periodMs: 5_000,
  } as const;

  it('look agents up by own keys, so `constructor` gets the default action', () => {
    expect(recoveryAction(recovery as never, 'coder')).toBe('degrade');
    expect(recoveryAction(recovery as never, 'constructor')).toBe('restart');
    expect(recoveryAction(recovery as never, 'toString')).toBe('restart');
    expect(recoveryDecider(recovery as never, 'coder')(new Error('x'), 'coder')).toBe('stop');
  });

  it('refuse malformed configs with INVALID_ARGUMENT, and a space with SPACE_INVALID', async () => {
    expect(await codeOf(() => recoveryAction(null as never, 'a'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => recoveryAction(recovery as never, 5 as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => recoveryDecider(throwingProxy() as never, 'a'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => agentChildSpec('x' as never, idle, recovery as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => teamHealth(false as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => validateSpace(null as never, {}))).toBe('SPACE_INVALID');
    expect(await codeOf(() => validateSpace({ id: 's' } as never, undefined as never))).toBe(
      'SPACE_INVALID',
    );
    expect(await codeOf(() => validateSpace(throwingProxy() as never, {}))).toBe('SPACE_INVALID');
    expect(
      await codeOf(() =>
        validateSpace({ id: 's', coordinationGraph: { edges: 'x' } } as never, {}),
      ),
    ).toBe('SPACE_INVALID');
  });

  it('teamHealth counts the running share of agents meant to be active', () => {
    const space = {
      agents: {
        a: { id: 'a', status: 'active' },
        b: { id: 'b', status: 'failed' },
        c: { id: 'c', status: 'inactive' },
      },
    };
    expect(teamHealth({ space: space as never, isRunning: (id) => id === 'a' })).toBe(0.5);
  });
});

describe('a running space', () => {
  const team = async () => {
    let space = createMultiAgentSpace({ id: 'team', topology: 'star' });
    space = registerAgent(space, { id: 'planner', behaviour: 'echo', role: 'coordinator' });
    space = registerAgent(space, { id: 'coder', behaviour: 'echo' });
    space = addOrchestrationVariable(space, agentSelection('pick', { agents: ['coder'] }));
    return (await run(space)).team;
  };

  it('refuses ids and options it cannot use, and knows agents by own keys', async () => {
    const running = await team();
    await running.startAgents();
    expect(await codeOf(() => running.send(Symbol('s') as never, 'm'))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => running.call(throwingProxy() as never, 'm'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.send('constructor', 'm'))).toBe('AGENT_NOT_FOUND');
    expect(await codeOf(() => running.call('toString', 'm'))).toBe('AGENT_NOT_FOUND');
    expect(await codeOf(() => running.instances({ toString: 1 } as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.setVariable(throwingProxy() as never, 1))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.handleAgentFailure(null as never, 'x'))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.callSelected('pick', 'm', throwingGetters() as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.callSelected('pick', 'm', { choose: 5 } as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await codeOf(() => running.agents.ask('coder', 'q' as never, 5 as never))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await running.call('coder', 'get')).toMatchObject({ id: 'coder' });
    await running.stop();
  });

  it('reports directives that are not a list, cannot be read or are too many, never throws', async () => {
    const running = await team();
    const failures = async (directives: unknown) => {
      const space = await running.applyDirectives(directives as never);
      const event = space.adaptationHistory.at(-1);
      return event?.errors?.map((e) => e.code);
    };
    expect(await failures(null)).toEqual(['DIRECTIVE_INVALID']);
    const unreadable: unknown[] = [];
    Object.defineProperty(unreadable, 0, {
      enumerable: true,
      get() {
        throw new Error(HOSTILE);
      },
    });
    expect(await failures(unreadable)).toEqual(['DIRECTIVE_INVALID']);
    expect(await failures(new Array(MAX_DIRECTIVES + 1).fill(0))).toEqual(['DIRECTIVE_INVALID']);
    expect(await failures([0, 'x'])).toEqual(['DIRECTIVE_INVALID', 'DIRECTIVE_INVALID']);
    await running.stop();
  });
});
