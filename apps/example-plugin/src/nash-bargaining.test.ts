import { createCoordinationRegistry, negotiateValue } from '@varplane/coordination';
import { describeStrategyConformance } from '@varplane/coordination/testing';
import { describe, expect, it } from 'vitest';
import { createNashBargaining } from './nash-bargaining';

// 1. The plugin passes the conformance kit, like every built-in.
describeStrategyConformance(createNashBargaining(), {
  // Closeness utilities reach 0 at the far end of the range, where the Nash product is undefined:
  // a single agent wanting an extreme value may leave no agreement, which the kit accepts as typed.
  expectedErrors: ['NEGOTIATION_INFEASIBLE'],
});

describe('nash_bargaining', () => {
  // 2. It is registered at runtime, next to the built-ins, and used by name.
  const registry = createCoordinationRegistry([createNashBargaining()]);

  it('meets in the middle between two equal agents', async () => {
    const { value, strategy } = await negotiateValue(
      'temperature',
      [
        { agent: 'coder', value: 0.2, weight: 1 },
        { agent: 'writer', value: 1.0, weight: 1 },
      ],
      { registry, strategy: 'nash_bargaining', constraints: { min: 0, max: 2, step: 0.1 } },
    );
    expect(strategy).toBe('nash_bargaining');
    expect(value).toBe(0.6);
  });

  it('gives the heavier agent more of the gains', async () => {
    const { value } = await negotiateValue(
      'temperature',
      [
        { agent: 'coder', value: 0.2, weight: 3 },
        { agent: 'writer', value: 1.0, weight: 1 },
      ],
      { registry, strategy: 'nash_bargaining', constraints: { min: 0, max: 2, step: 0.1 } },
    );
    expect(value as number).toBeLessThan(0.6);
  });

  it('uses the agents\u2019 own utilities when they give them', async () => {
    const { value } = await negotiateValue(
      'budget',
      [
        { agent: 'a', value: 0, weight: 1, utility: (x) => 100 - (x as number) },
        { agent: 'b', value: 100, weight: 1, utility: (x) => x as number },
      ],
      { registry, strategy: 'nash_bargaining', constraints: { min: 0, max: 100, step: 1 } },
    );
    expect(value).toBe(50);
  });

  it('says so when no value leaves everyone better off', async () => {
    await expect(
      negotiateValue(
        'model',
        [
          { agent: 'a', value: 'small', weight: 1 },
          { agent: 'b', value: 'large', weight: 1 },
        ],
        { registry, strategy: 'nash_bargaining' },
      ),
    ).rejects.toMatchObject({ code: 'NEGOTIATION_INFEASIBLE', reason: 'no_agreement' });
  });
});
