import { describe, expect, it } from 'vitest';
import {
  exactMatch,
  syntheticExamples,
  syntheticRunner,
  syntheticTeam,
} from '../test/synthetic-team';
import { beacon } from './beacon';
import { randomSearch } from './random-search';

const trainset = syntheticExamples(30);
const valset = syntheticExamples(12, 100);

describe('budgets', () => {
  it('a token budget without a per-run limit is spent to the last run that fits', async () => {
    const runner = syntheticRunner({ tokensPerAgent: 10 });
    const result = await randomSearch(syntheticTeam(), trainset, exactMatch, {
      numTrials: 500,
      minibatchSize: 5,
      valset,
      concurrency: 4,
      runner,
      budget: { maxTokens: 2_000 },
    }).result;
    expect(result.usage.tokens).toBeLessThanOrEqual(2_000);
    // Runs cost 10 or 20 tokens; planning keeps one validation in reserve, then stops.
    expect(result.usage.tokens).toBeGreaterThan(1_600);
    expect(result.stopReason).toBe('budget_exhausted');
  });

  it('with per-run limits, results do not depend on the concurrency', async () => {
    const run = (concurrency: number) =>
      beacon(syntheticTeam(), trainset, exactMatch, {
        numTrials: 60,
        minibatchSize: 5,
        valset,
        concurrency,
        seed: 6,
        runner: syntheticRunner({ tokensPerAgent: 10, costPerAgent: 0.001 }),
        budget: { maxTokens: 3_000, maxTokensPerRun: 20, maxCost: 0.25, maxCostPerRun: 0.002 },
      }).result;
    const serial = await run(1);
    const parallel = await run(8);
    expect(parallel.config).toEqual(serial.config);
    expect(parallel.usage).toEqual(serial.usage);
    expect(serial.usage.tokens).toBeLessThanOrEqual(3_000);
    expect(serial.usage.cost).toBeLessThanOrEqual(0.25);
  });

  it('passes each run the most it may spend', async () => {
    const limits: unknown[] = [];
    const runner = syntheticRunner();
    await randomSearch(syntheticTeam(), trainset, exactMatch, {
      numTrials: 1,
      minibatchSize: 2,
      valset,
      runner: {
        run: (request) => {
          limits.push(request.limits);
          return runner.run(request);
        },
      },
      budget: { maxTokens: 10_000, maxTokensPerRun: 50, maxCost: 1, maxCostPerRun: 0.1 },
    }).result;
    expect(limits[0]).toEqual({ tokens: 50, cost: 0.1 });
  });
});
