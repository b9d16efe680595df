import { createManualClock, createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from '../actor-system';
import type { Behaviour } from '../behaviour';

function setup() {
  const clock = createManualClock();
  return { clock, system: createActorSystem({ clock, random: createRandom(1) }) };
}

describe('fair dispatch by cpu weight', () => {
  it('shares turns in proportion to weight when both agents have mail', async () => {
    const { system } = setup();
    const order: string[] = [];
    const recorder: Behaviour<null, string> = {
      name: 'recorder',
      handle: (message, state) => {
        order.push(message);
        return state;
      },
    };
    const low = system.spawn(recorder, null, { cpuWeight: 1 });
    const high = system.spawn(recorder, null, { cpuWeight: 4 });
    for (let i = 0; i < 10_000; i++) system.send(low, 'low');
    for (let i = 0; i < 10_000; i++) system.send(high, 'high');
    await system.whenIdle();
    const first = order.slice(0, 3_200);
    expect(first.filter((m) => m === 'low').length).toBe(640);
    expect(first.filter((m) => m === 'high').length).toBe(2_560);
  });

  it('does not let a flood to a low-weight agent starve a high-weight one', async () => {
    const { system } = setup();
    const order: string[] = [];
    const recorder: Behaviour<null, string> = {
      name: 'recorder',
      handle: (message, state) => {
        order.push(message);
        return state;
      },
    };
    const low = system.spawn(recorder, null, { cpuWeight: 0.5 });
    const high = system.spawn(recorder, null, { cpuWeight: 2 });
    for (let i = 0; i < 100_000; i++) system.send(low, 'flood');
    for (let i = 0; i < 10; i++) system.send(high, 'urgent');
    await system.whenIdle();
    expect(order.lastIndexOf('urgent')).toBeLessThan(32 + 10);
    expect(order.length).toBe(100_010);
  });

  it('serves critical agents first when they wake', async () => {
    const { system } = setup();
    const order: string[] = [];
    const recorder: Behaviour<null, string> = {
      name: 'recorder',
      handle: (message, state) => {
        order.push(message);
        return state;
      },
    };
    const normal = system.spawn(recorder, null);
    const critical = system.spawn(recorder, null, { networkPriority: 'critical' });
    system.send(normal, 'normal');
    system.send(critical, 'critical');
    await system.whenIdle();
    expect(order).toEqual(['critical', 'normal']);
  });
});
