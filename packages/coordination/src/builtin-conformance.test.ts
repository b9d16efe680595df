import type { Preference, Random, Strategy } from '@varplane/core';
import { createCompromiseResolution } from './compromise-resolution';
import { builtinStrategies } from './coordination-registry';
import { createDutchAuction } from './dutch-auction';
import { createEnglishAuction } from './english-auction';
import { createLeaderElection } from './leader-election';
import { createMaxMinFairnessAllocator } from './max-min-fairness-allocator';
import { createQuorumConsensus } from './quorum-consensus';
import { describeStrategyConformance, type NegotiationCase } from './testing';
import { createVickreyAuction } from './vickrey-auction';

/** Orders for a double auction: buyers and sellers with limit prices that sometimes cross. */
function marketCase(random: Random): NegotiationCase {
  const preferences: Preference[] = [];
  for (let i = random.int(2, 8); i > 0; i--) {
    preferences.push({
      agent: `trader-${preferences.length}`,
      side: preferences.length % 2 === 0 ? 'buy' : 'sell',
      value: random.int(1, 100),
      weight: random.int(1, 10),
    });
  }
  return {
    variableId: 'price',
    preferences,
    constraints: random.chance(0.5) ? { min: 0, step: 0.5 } : {},
  };
}

function check(strategy: Strategy): void {
  switch (strategy.kind) {
    case 'negotiation':
      if (strategy.name === 'market_based') {
        describeStrategyConformance(strategy, {
          generate: marketCase,
          expectedErrors: ['NEGOTIATION_INFEASIBLE'],
        });
      } else {
        describeStrategyConformance(strategy);
      }
      return;
    case 'consensus':
      describeStrategyConformance(strategy);
      return;
    case 'conflict-resolution':
      describeStrategyConformance(strategy);
      return;
    case 'resource-allocation':
      describeStrategyConformance(strategy);
      return;
    default:
      throw new Error(`no suite for ${strategy.kind}`);
  }
}

for (const strategy of builtinStrategies()) check(strategy);

// Configurations other than the defaults, where the options change the rules.
describeStrategyConformance(
  createVickreyAuction({ name: 'vickrey_reserve', reserve: 50, tieBreak: 'random' }),
);
describeStrategyConformance(
  createEnglishAuction({ name: 'english_steps', reserve: 5, increment: 7 }),
);
describeStrategyConformance(
  createDutchAuction({ name: 'dutch_live', startPrice: 120, decrement: 10, reserve: 10 }),
);
describeStrategyConformance(createQuorumConsensus({ name: 'quorum_half', threshold: 0.5 }));
describeStrategyConformance(createLeaderElection({ name: 'random_leader', election: 'random' }));
describeStrategyConformance(
  createCompromiseResolution({ name: 'time_share', type: 'time_sharing', periodMs: 1_000 }),
);
describeStrategyConformance(
  createCompromiseResolution({ name: 'average', type: 'weighted_average' }),
);
describeStrategyConformance(
  createMaxMinFairnessAllocator({ name: 'weighted_max_min', weighted: true }),
);
