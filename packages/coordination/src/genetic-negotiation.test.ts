import { createManualClock, type Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createGeneticNegotiation } from './genetic-negotiation';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';

const team: Preference[] = [
  { agent: 'a', value: 0.1, weight: 1 },
  { agent: 'b', value: 0.4, weight: 3 },
  { agent: 'c', value: 1.9, weight: 1 },
];

describe('createGeneticNegotiation', () => {
  it('finds the weighted median when utilities are closeness', async () => {
    const outcome = await negotiateValue('temperature', team, {
      strategy: createGeneticNegotiation({ generations: 40 }),
      constraints: { min: 0, max: 2 },
    });
    expect(outcome.value as number).toBeCloseTo(0.4, 2);
    expect(outcome.rounds).toBe(40);
  });

  it('is the same on every run with the same seed', async () => {
    const strategy = createGeneticNegotiation({ generations: 3, populationSize: 6 });
    const results = [];
    for (const seed of [1, 1]) {
      results.push(
        (await negotiateValue('t', team, { strategy, seed, constraints: { min: 0, max: 2 } }))
          .value,
      );
    }
    expect(results[1]).toBe(results[0]);
  });

  it('maximizes the given utility functions', async () => {
    const peak = (at: number) => (x: unknown) => -(((x as number) - at) ** 2);
    const outcome = await negotiateValue(
      'budget',
      [
        { agent: 'a', value: 0, weight: 1, utility: peak(30) },
        { agent: 'b', value: 100, weight: 1, utility: peak(50) },
      ],
      { strategy: 'genetic', constraints: { min: 0, max: 100, step: 1 } },
    );
    expect(outcome.value).toBe(40);
  });

  it('searches only the allowed values', async () => {
    const outcome = await negotiateValue('size', team, {
      strategy: 'genetic',
      constraints: { allowed: [0, 0.5, 2] },
    });
    expect(outcome.value).toBe(0.5);
  });

  it('asks live agents to rate each candidate once', async () => {
    const agents = createInMemoryAgentPort({
      a: (q) => (q.type === 'utility' && q.value === 'blue' ? 1 : 0),
      b: (q) => (q.type === 'utility' && q.value === 'blue' ? 1 : 0),
    });
    const outcome = await negotiateValue(
      'colour',
      [
        { agent: 'a', value: 'red', weight: 1 },
        { agent: 'b', value: 'green', weight: 1 },
      ],
      { strategy: 'genetic', agents, constraints: { allowed: ['red', 'green', 'blue'] } },
    );
    expect(outcome.value).toBe('blue');
    const asked = agents.asked.map(
      (q) => `${q.agent}:${String((q.question as { value: unknown }).value)}`,
    );
    expect(new Set(asked).size).toBe(asked.length);
  });

  it('stops when its time is up', async () => {
    const clock = createManualClock();
    const agents = createInMemoryAgentPort({
      a: () => new Promise(() => {}),
      b: () => 0,
      c: () => 0,
    });
    const run = negotiateValue('t', team, {
      strategy: createGeneticNegotiation({ askTimeoutMs: 10_000 }),
      agents,
      clock,
      timeoutMs: 50,
    });
    await Promise.resolve();
    clock.advance(50);
    await expect(run).rejects.toMatchObject({ code: 'STRATEGY_TIMEOUT' });
  });

  it('refuses an elite as large as the population', () => {
    expect(() => createGeneticNegotiation({ populationSize: 4, eliteCount: 4 })).toThrow(
      'options.eliteCount: eliteCount must be below populationSize',
    );
  });
});
