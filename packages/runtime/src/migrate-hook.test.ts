import {
  type AdaptationEvent,
  createMultiAgentSpace,
  directive,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { run } from './internal/space-fixture';
import type { MigrateRequest } from './internal/space-runtime';

const lastEvent = (space: MultiAgentSpace) => space.adaptationHistory.at(-1) as AdaptationEvent;

function team(): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['a', 'b']) space = registerAgent(space, { id, behaviour: 'echo' });
  return space;
}

describe('a migrate hook', () => {
  it('takes over migrate directives, within their timeout, its failures reported', async () => {
    const asked: Array<Omit<MigrateRequest, 'system' | 'directive'>> = [];
    let hang = false;
    const { team: running, clock } = await run(
      team(),
      {},
      {
        async migrate(request) {
          expect(request.system.node).toBe('local');
          asked.push({ agent: request.agent, node: request.node });
          if (request.node === 'broken') throw new Error('node unreachable');
          if (hang) await new Promise(() => {});
        },
      },
    );
    await running.startAgents();
    let next = await running.applyDirectives([
      directive('a', 'migrate', { node: 'node-2' }, { priority: 9 }),
      directive('b', 'migrate', { node: 'broken' }, { priority: 5 }),
      directive('b', 'migrate', {}, { priority: 1 }),
    ]);
    expect(asked).toEqual([
      { agent: 'a', node: 'node-2' },
      { agent: 'b', node: 'broken' },
    ]);
    expect(lastEvent(next).outcome).toBe('partial_success');
    expect(lastEvent(next).errors.map((e) => e.code)).toEqual([
      expect.any(String),
      'DIRECTIVE_INVALID',
    ]);
    expect(lastEvent(next).errors[0]?.message).toMatch(/node unreachable/);

    hang = true;
    const pending = running.applyDirectives([
      directive('a', 'migrate', { node: 'node-3' }, { timeout: 50 }),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(50);
    next = await pending;
    expect(lastEvent(next).errors.map((e) => e.code)).toEqual(['DIRECTIVE_TIMEOUT']);
    await running.stop();
  });

  it('must be a function', async () => {
    await expect(run(team(), {}, { migrate: 'elsewhere' as never })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
