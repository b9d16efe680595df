import { createManualClock, type Preference } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createHierarchicalNegotiation } from './hierarchical-negotiation';
import { createInMemoryAgentPort } from './in-memory-agent-port';
import { negotiateValue } from './negotiate-value';

const team: Preference[] = [
  { agent: 'lead', value: 0.2, weight: 3 },
  { agent: 'coder', value: 0.6, weight: 1 },
  { agent: 'writer', value: 1.0, weight: 1 },
];

describe('createHierarchicalNegotiation', () => {
  it("moves the coordinator's value toward its subordinates' mean by the deference", async () => {
    const outcome = await negotiateValue('temperature', team, { strategy: 'hierarchical' });
    // mean of subordinates 0.8; halfway from 0.2 is 0.5.
    expect(outcome).toMatchObject({ value: 0.5, winner: 'lead' });
    const strict = await negotiateValue('temperature', team, {
      strategy: createHierarchicalNegotiation({ deference: 0 }),
    });
    expect(strict.value).toBe(0.2);
    const delegate = await negotiateValue('temperature', team, {
      strategy: createHierarchicalNegotiation({ deference: 1 }),
    });
    expect(delegate.value).toBe(0.8);
  });

  it('lets a named coordinator decide with its own rule', async () => {
    const strategy = createHierarchicalNegotiation({
      coordinator: 'writer',
      decide: ({ subordinates }) => Math.max(...subordinates.map((p) => p.value as number)),
    });
    const outcome = await negotiateValue('temperature', team, { strategy });
    expect(outcome).toMatchObject({ value: 0.6, winner: 'writer' });
    await expect(
      negotiateValue('temperature', team, {
        strategy: createHierarchicalNegotiation({ coordinator: 'ghost' }),
      }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('keeps the coordinator value for choices', async () => {
    const outcome = await negotiateValue(
      'model',
      [
        { agent: 'lead', value: 'large', weight: 2 },
        { agent: 'coder', value: 'small', weight: 1 },
      ],
      { strategy: 'hierarchical' },
    );
    expect(outcome.value).toBe('large');
  });

  it("asks a live coordinator, showing it the subordinates' preferences", async () => {
    const agents = createInMemoryAgentPort({ lead: () => 0.7 });
    const outcome = await negotiateValue('temperature', team, { strategy: 'hierarchical', agents });
    expect(outcome.value).toBe(0.7);
    expect(agents.asked).toEqual([
      {
        agent: 'lead',
        question: {
          type: 'preference',
          variableId: 'temperature',
          constraints: {},
          preferences: [
            { agent: 'coder', value: 0.6, weight: 1 },
            { agent: 'writer', value: 1.0, weight: 1 },
          ],
        },
      },
    ]);
  });

  it('falls back to its rule when the live coordinator is silent', async () => {
    const clock = createManualClock();
    const agents = createInMemoryAgentPort({ lead: () => new Promise(() => {}) });
    const run = negotiateValue('temperature', team, {
      strategy: createHierarchicalNegotiation({ askTimeoutMs: 100 }),
      agents,
      clock,
    });
    await Promise.resolve();
    clock.advance(100);
    const outcome = await run;
    expect(outcome.value).toBe(0.5);
    expect(outcome.rationale).toContain('(it did not answer)');
  });
});
