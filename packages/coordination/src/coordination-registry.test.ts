import { createStrategyRegistry, type STRATEGY_KINDS } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import {
  builtinStrategies,
  createCoordinationRegistry,
  registerBuiltinStrategies,
} from './coordination-registry';
import * as coordination from './index';
import { createVickreyAuction } from './vickrey-auction';

describe('the built-in registry', () => {
  it('holds every built-in by kind and name', () => {
    const registry = createCoordinationRegistry();
    const names = (kind: (typeof STRATEGY_KINDS)[number]) => registry.list(kind).map((s) => s.name);
    expect(names('negotiation')).toEqual([
      'weighted_consensus',
      'first_price',
      'vickrey',
      'english',
      'dutch',
      'market_based',
      'hierarchical',
      'genetic',
    ]);
    expect(names('consensus')).toEqual(['simple_majority', 'weighted', 'unanimous', 'quorum']);
    expect(names('conflict-resolution')).toEqual([
      'priority_based',
      'voting',
      'leader_election',
      'compromise',
    ]);
    expect(names('resource-allocation')).toEqual([
      'priority',
      'proportional_share',
      'max_min_fairness',
      'dominant_resource_fairness',
    ]);
  });

  it('registers nothing on import: a new core registry is empty', () => {
    expect(typeof coordination.negotiateValue).toBe('function');
    expect(createStrategyRegistry().list()).toEqual([]);
  });

  it('makes fresh instances each time', () => {
    const [first] = builtinStrategies();
    const [again] = builtinStrategies();
    expect(first).not.toBe(again);
    expect(first?.name).toBe(again?.name);
  });

  it('refuses to register the built-ins twice unless told to replace them', () => {
    const registry = createCoordinationRegistry();
    expect(() => registerBuiltinStrategies(registry)).toThrow(/already registered/);
    expect(() => registerBuiltinStrategies(registry, { replace: true })).not.toThrow();
  });

  it('adds plugins after the built-ins', () => {
    const registry = createCoordinationRegistry([
      createVickreyAuction({ name: 'reserve_auction', reserve: 10 }),
    ]);
    expect(registry.get('negotiation', 'reserve_auction').name).toBe('reserve_auction');
  });
});
