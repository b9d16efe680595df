import { createMultiAgentSpace, directive, type RuntimeEvent, registerAgent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import type { Behaviour } from './behaviour';
import { startSpace } from './running-space';

const idle: Behaviour<null, unknown> = { name: 'idle', init: () => null, handle: (_m, s) => s };

describe("directives with the card's action names", () => {
  it('adjust_parameters acts as adjustParameters and is reported with the camelCase action', async () => {
    const space = registerAgent(createMultiAgentSpace({ id: 'team' }), {
      id: 'coder',
      behaviour: 'idle',
    });
    const running = await startSpace(space, { behaviours: { idle }, statsIntervalMs: 0 });
    await running.startAgents();
    const applied: RuntimeEvent[] = [];
    running.events$.subscribe((event) => {
      if (event.type === 'directive-applied') applied.push(event);
    });
    await running.applyDirectives([
      {
        agent: 'coder',
        action: 'adjust_parameters',
        parameters: { resource: 'tokens', amount: 500 },
        priority: 50,
        timeout: 1_000,
      },
    ]);
    expect(running.system.resources.holding('coder')?.tokenLimit).toBe(500);
    expect(applied).toMatchObject([{ directive: { agent: 'coder', action: 'adjustParameters' } }]);
    await running.applyDirectives([
      directive('coder', 'adjust_parameters', { resource: 'tokens', amount: 700 }),
    ]);
    expect(running.system.resources.holding('coder')?.tokenLimit).toBe(700);
    await running.stop();
  });

  it('still refuses an action that is neither spelling', async () => {
    expect(() => directive('coder', 'adjust-parameters' as never)).toThrow(/action/);
  });
});
