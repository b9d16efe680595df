import { describe, expect, it } from 'vitest';
import type { NegotiationStrategy } from './strategies';
import { createStrategyRegistry } from './strategy-registry';

const fixed = (name: string, value: unknown): NegotiationStrategy => ({
  kind: 'negotiation',
  name,
  specificationVersion: 'v1',
  negotiate: () => ({ value, rationale: 'fixed' }),
});

describe('createStrategyRegistry', () => {
  it('registers at runtime and looks strategies up by kind and name', () => {
    const registry = createStrategyRegistry()
      .register(fixed('always_one', 1))
      .register(fixed('always_two', 2));
    expect(registry.get('negotiation', 'always_two').name).toBe('always_two');
    expect(registry.has('negotiation', 'always_one')).toBe(true);
    expect(registry.has('consensus', 'always_one')).toBe(false);
    expect(registry.list('negotiation').map((s) => s.name)).toEqual(['always_one', 'always_two']);
    expect(registry.list().length).toBe(2);
  });

  it('starts empty: nothing registers itself', () => {
    expect(createStrategyRegistry().list()).toEqual([]);
  });

  it('refuses a duplicate name unless replacement is asked for', () => {
    const registry = createStrategyRegistry([fixed('x', 1)]);
    expect(() => registry.register(fixed('x', 2))).toThrow(
      expect.objectContaining({ code: 'STRATEGY_DUPLICATE' }),
    );
    registry.register(fixed('x', 2), { replace: true });
    const replaced = registry.get('negotiation', 'x');
    expect(
      replaced.negotiate({ variableId: 'v', preferences: [], constraints: {} }, undefined as never),
    ).toEqual({ value: 2, rationale: 'fixed' });
  });

  it('names the registered strategies when a lookup misses', () => {
    const registry = createStrategyRegistry([fixed('alpha', 1), fixed('beta', 2)]);
    expect(() => registry.get('negotiation', 'gamma')).toThrow(
      expect.objectContaining({
        code: 'STRATEGY_NOT_FOUND',
        message: expect.stringContaining('registered: alpha, beta'),
      }),
    );
    expect(() => registry.get('consensus', 'alpha')).toThrow(/registered: \(none\)/);
  });

  it('unregisters', () => {
    const registry = createStrategyRegistry([fixed('alpha', 1)]);
    expect(registry.unregister('negotiation', 'alpha')).toBe(true);
    expect(registry.unregister('negotiation', 'alpha')).toBe(false);
    expect(registry.has('negotiation', 'alpha')).toBe(false);
  });

  it('rejects malformed strategies with STRATEGY_INVALID naming the field', () => {
    const registry = createStrategyRegistry();
    const cases: unknown[] = [
      { ...fixed('ok', 1), specificationVersion: 'v2' },
      { ...fixed('ok', 1), kind: 'telepathy' },
      { ...fixed('Bad Name', 1) },
      { kind: 'negotiation', name: 'no_method', specificationVersion: 'v1' },
      null,
    ];
    for (const strategy of cases) {
      expect(() => registry.register(strategy as NegotiationStrategy)).toThrow(
        expect.objectContaining({ code: 'STRATEGY_INVALID' }),
      );
    }
    expect(() =>
      registry.register({ ...fixed('ok', 1), specificationVersion: 'v2' } as never),
    ).toThrow(/specificationVersion/);
    expect(() =>
      registry.register({
        kind: 'negotiation',
        name: 'no_method',
        specificationVersion: 'v1',
      } as never),
    ).toThrow(/negotiate\(\)/);
  });
});
