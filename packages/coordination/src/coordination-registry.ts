import { createStrategyRegistry, type Strategy, type StrategyRegistry } from '@varplane/core';
import { guardInput } from '@varplane/core/internal';
import { createCompromiseResolution } from './compromise-resolution';
import { createDominantResourceFairness } from './dominant-resource-fairness';
import { createDutchAuction } from './dutch-auction';
import { createEnglishAuction } from './english-auction';
import { createFirstPriceAuction } from './first-price-auction';
import { createGeneticNegotiation } from './genetic-negotiation';
import { createHierarchicalNegotiation } from './hierarchical-negotiation';
import { invalid } from './internal/parse';
import { createLeaderElection } from './leader-election';
import { createMarketBasedNegotiation } from './market-based-negotiation';
import { createMaxMinFairnessAllocator } from './max-min-fairness-allocator';
import { createPriorityAllocator } from './priority-allocator';
import { createPriorityResolution } from './priority-resolution';
import { createProportionalShareAllocator } from './proportional-share-allocator';
import { createQuorumConsensus } from './quorum-consensus';
import { createSimpleMajority } from './simple-majority';
import { createUnanimous } from './unanimous-consensus';
import { createVickreyAuction } from './vickrey-auction';
import { createVotingResolution } from './voting-resolution';
import { createWeightedConsensus } from './weighted-consensus';
import { createWeightedVoting } from './weighted-voting';

/**
 * Fresh instances of every built-in strategy, with default options:
 * - negotiation: `weighted_consensus`, `first_price`, `vickrey`, `english`, `dutch`,
 *   `market_based`, `hierarchical`, `genetic`;
 * - consensus: `simple_majority`, `weighted`, `unanimous`, `quorum`;
 * - conflict resolution: `priority_based`, `voting`, `leader_election`, `compromise`;
 * - resource allocation: `priority`, `proportional_share`, `max_min_fairness`,
 *   `dominant_resource_fairness`.
 */
export function builtinStrategies(): Strategy[] {
  return [
    createWeightedConsensus(),
    createFirstPriceAuction(),
    createVickreyAuction(),
    createEnglishAuction(),
    createDutchAuction(),
    createMarketBasedNegotiation(),
    createHierarchicalNegotiation(),
    createGeneticNegotiation(),
    createSimpleMajority(),
    createWeightedVoting(),
    createUnanimous(),
    createQuorumConsensus(),
    createPriorityResolution(),
    createVotingResolution(),
    createLeaderElection(),
    createCompromiseResolution(),
    createPriorityAllocator(),
    createProportionalShareAllocator(),
    createMaxMinFairnessAllocator(),
    createDominantResourceFairness(),
  ];
}

/**
 * Registers every built-in strategy in `registry` and returns it. A name already taken is an error
 * unless `replace` is set (then the built-in wins).
 *
 * @example
 * const registry = registerBuiltinStrategies(createStrategyRegistry()).register(myPlugin);
 */
export function registerBuiltinStrategies(
  registry: StrategyRegistry,
  options: { replace?: boolean } = {},
): StrategyRegistry {
  const register = guardInput('registerBuiltinStrategies', 'registry', registry, () =>
    typeof registry === 'object' && registry !== null ? registry.register : undefined,
  );
  if (typeof register !== 'function')
    invalid(
      'registerBuiltinStrategies',
      'INVALID_ARGUMENT',
      'registry',
      'must be a strategy registry from createStrategyRegistry()',
      registry,
    );
  for (const strategy of builtinStrategies()) register.call(registry, strategy, options);
  return registry;
}

/**
 * A new registry holding every built-in strategy, then `plugins`. Called explicitly: nothing
 * registers itself on import.
 *
 * @example
 * const registry = createCoordinationRegistry([createNashBargaining()]);
 * await negotiateValue('temperature', prefs, { registry, strategy: 'nash_bargaining' });
 */
export function createCoordinationRegistry(plugins: readonly Strategy[] = []): StrategyRegistry {
  if (!Array.isArray(plugins))
    invalid(
      'createCoordinationRegistry',
      'INVALID_ARGUMENT',
      'plugins',
      'must be an array of strategies',
      plugins,
    );
  const given = guardInput('createCoordinationRegistry', 'plugins', plugins, () => [...plugins]);
  const registry = registerBuiltinStrategies(createStrategyRegistry());
  for (const plugin of given) registry.register(plugin);
  return registry;
}
