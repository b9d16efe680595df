import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from '../actor-system';
import type { Behaviour } from '../behaviour';

const MESSAGES = 200_000;
const AGENTS = 8;
const TOKENS = 16;

/** A ring of agents whose async handlers await only resolved promises, as a cached model does. */
function startRing(onHandled: () => void) {
  const system = createActorSystem({ random: createRandom(1) });
  const hop: Behaviour<string, number, string> = {
    name: 'hop',
    async handle(left, next, ctx) {
      await Promise.resolve();
      onHandled();
      if (left > 1) ctx.send(next, left - 1);
      return next;
    },
  };
  for (let i = 0; i < AGENTS; i++) system.spawn(hop, `a${(i + 1) % AGENTS}`, { id: `a${i}` });
  for (let t = 0; t < TOKENS; t++) system.send(`a${t % AGENTS}`, MESSAGES / TOKENS);
  return system;
}

describe('fairness to the event loop', () => {
  it('lets a timer and a loopback HTTP request finish while async handlers work', async () => {
    const server = createServer((_req, res) => res.end('pong'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      let handled = 0;
      let atTimer = -1;
      let atResponse = -1;
      setTimeout(() => {
        atTimer = handled;
      }, 0);
      const response = fetch(`http://127.0.0.1:${port}/`).then(
        async (res) => {
          const body = await res.text();
          atResponse = handled;
          return body;
        },
        // Starved, the request is only sent after the server has closed: the assertion says so.
        (error: unknown) => `failed: ${String(error)}`,
      );
      const system = startRing(() => handled++);
      await system.whenIdle();

      expect(handled).toBe(MESSAGES);
      expect(system.list().reduce((sum, agent) => sum + agent.messagesHandled, 0)).toBe(MESSAGES);
      expect(atTimer).toBeGreaterThanOrEqual(0);
      expect(atTimer).toBeLessThan(MESSAGES);
      expect(atResponse).toBeGreaterThanOrEqual(0);
      expect(atResponse).toBeLessThan(MESSAGES);
      expect(await response).toBe('pong');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
