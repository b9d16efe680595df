import { createMultiAgentSpace, type MultiAgentSpace, registerAgent } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { type EchoState, echo, run } from './internal/space-fixture';
import { teamHealth } from './running-space';

// Ids such as `__proto__` are ordinary ids: agents, fallbacks and behaviours named so act like
// any other, and a name the user never gave (`constructor`) is not found on Object's prototype.
function teamOf(ids: readonly string[], faultRecovery: unknown, behaviour = 'echo') {
  let space = createMultiAgentSpace({ id: 'team', faultRecovery: faultRecovery as never });
  for (const id of ids) space = registerAgent(space, { id, behaviour });
  return space;
}

describe('ids such as __proto__', () => {
  it('are agents whose fault recovery replaces them with their fallback', async () => {
    const recovery = JSON.parse(
      '{"perAgent": {"__proto__": "replace"}, "fallbacks": {"__proto__": "backup"}}',
    );
    const { team } = await run(teamOf(['__proto__', 'backup'], recovery));
    await team.startAgents();
    const replaced = await team.handleAgentFailure('__proto__', 'quota exceeded');
    expect(replaced.agents.__proto__?.status).toBe('failed');
    expect((await team.call<EchoState>('__proto__', 'who?')).id).toBe('backup');
    await team.stop();
  });

  it('are agents without a fallback: `constructor` is refused, not routed to Object', async () => {
    const { team } = await run(teamOf(['constructor', 'backup'], { defaultAction: 'replace' }));
    await team.startAgents();
    const next = await team.handleAgentFailure('constructor', 'quota exceeded');
    expect(next.adaptationHistory.at(-1)).toMatchObject({ outcome: 'failure' });
    await team.stop();
  });

  it('count in the team health', () => {
    const space = {
      agents: JSON.parse(
        '{"__proto__": {"id": "__proto__", "status": "active"}, "b": {"id": "b", "status": "active"}}',
      ),
    } as MultiAgentSpace;
    expect(teamHealth({ space, isRunning: (id) => id === 'b' })).toBe(0.5);
    expect(teamHealth({ space, isRunning: (id) => id === '__proto__' })).toBe(0.5);
  });

  it('name behaviours, and an unnamed `constructor` behaviour is refused', async () => {
    const { team } = await run(teamOf(['a'], {}, '__proto__'), { ['__proto__']: echo() });
    await team.startAgents();
    expect((await team.call<EchoState>('a', 'who?')).id).toBe('a');
    await team.stop();
    await expect(run(teamOf(['a'], {}, 'constructor'))).rejects.toMatchObject({
      code: 'SPACE_INVALID',
      issues: [expect.objectContaining({ path: 'agents.a.behaviour', value: 'constructor' })],
    });
  });
});
