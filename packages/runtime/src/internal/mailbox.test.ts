import { createManualClock, createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem, kernelOf } from '../actor-system';
import type { Behaviour } from '../behaviour';
import { RETAINED_SLOTS } from './cell';

const BURST = 1_000_000;

function setup() {
  const system = createActorSystem({ clock: createManualClock(), random: createRandom(1) });
  const mailboxOf = (id: string) => kernelOf(system).cells.get(id)?.mail ?? null;
  return { system, mailboxOf };
}

describe('mailbox memory', () => {
  it('lets go of the ring a burst grew once the burst is handled', async () => {
    const { system, mailboxOf } = setup();
    const sink: Behaviour<number, number> = { name: 'sink', handle: (m, sum) => sum + m };
    system.spawn(sink, 0, { id: 'sink' });
    for (let i = 0; i < BURST; i++) system.send('sink', 1);
    // The whole burst waits in one ring of at least a million slots (8 MB of pointers).
    expect(mailboxOf('sink')?.length).toBeGreaterThanOrEqual(BURST);
    await system.whenIdle();
    expect(system.info('sink')?.messagesHandled).toBe(BURST);
    expect(mailboxOf('sink')).toBeNull();
    // It still takes mail, in order, after letting go.
    const order: number[] = [];
    const recorder: Behaviour<null, number> = {
      name: 'recorder',
      handle: (m, s) => {
        order.push(m);
        return s;
      },
    };
    system.spawn(recorder, null, { id: 'recorder' });
    for (let i = 0; i < 1_000; i++) system.send('recorder', i);
    await system.whenIdle();
    for (let i = 0; i < 3; i++) system.send('recorder', 1_000 + i);
    await system.whenIdle();
    expect(order).toEqual(Array.from({ length: 1_003 }, (_, i) => i));
    expect(mailboxOf('recorder')?.length).toBeLessThanOrEqual(RETAINED_SLOTS);
  });

  it('keeps a small ring, so steady traffic allocates nothing', async () => {
    const { system, mailboxOf } = setup();
    const sink: Behaviour<number, number> = { name: 'sink', handle: (m, sum) => sum + m };
    system.spawn(sink, 0, { id: 'sink' });
    system.send('sink', 1);
    await system.whenIdle();
    const ring = mailboxOf('sink');
    expect(ring?.length).toBe(8);
    for (let i = 0; i < 8; i++) system.send('sink', 1);
    await system.whenIdle();
    expect(mailboxOf('sink')).toBe(ring);
  });
});
