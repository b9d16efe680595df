import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  type OrchestrationOptions,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { ClusterRequiredError } from './errors';
import { run } from './internal/space-fixture';

function team(options: Partial<OrchestrationOptions>) {
  let space = createMultiAgentSpace({ id: 'team' });
  for (const id of ['a', 'b']) space = registerAgent(space, { id, behaviour: 'echo' });
  return addOrchestrationVariable(
    space,
    agentSelection('pick', { agents: ['a', 'b'], ...options }),
  );
}

describe('options only a cluster can honour', () => {
  it.each([
    [{ scope: 'cluster' } as const, 'scope "cluster"'],
    [{ scope: 'federation' } as const, 'scope "federation"'],
    [{ distributionStrategy: { placement: 'spread' } } as const, 'a distributionStrategy'],
  ])('refuses %o in one process with CLUSTER_REQUIRED', async (options, named) => {
    const error = await run(team(options)).catch((e: unknown) => e);
    expect(ClusterRequiredError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'CLUSTER_REQUIRED',
      message: expect.stringContaining(`orchestrationVariables.pick has ${named}`),
    });
  });

  it('runs local and global variables', async () => {
    for (const scope of ['local', 'global'] as const) {
      const { team: running } = await run(team({ scope }));
      await running.startAgents();
      expect(running.instances('a')).toEqual(['a']);
      await running.stop();
    }
  });
});
