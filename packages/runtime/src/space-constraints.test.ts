import {
  addOrchestrationVariable,
  agentSelection,
  createMultiAgentSpace,
  directive,
  type MultiAgentSpace,
  type OrchestrationOptions,
  registerAgent,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { run } from './internal/space-fixture';

const coders = ['python_coder', 'elixir_coder', 'javascript_coder'];

/** The card's coder selector: two coders at most, bounded by memory. */
function coderTeam(
  extra: Partial<OrchestrationOptions> = {},
  memory: Record<string, number> = {},
): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'coders' });
  for (const id of coders)
    space = registerAgent(space, {
      id,
      behaviour: 'echo',
      resources: { memory: memory[id] ?? 100 },
    });
  return addOrchestrationVariable(
    space,
    agentSelection('coder_agent', {
      agents: coders,
      default: ['python_coder', 'elixir_coder'],
      constraints: { maxConcurrent: 2, resourceLimit: 'memory_bound' },
      resourceRequirements: { memory: 256 },
      ...extra,
    }),
  );
}

/** Follows how many coders run after every lifecycle event, to check a bound at every instant. */
function runningCounts(team: Awaited<ReturnType<typeof run>>['team']): number[] {
  const running = new Set<string>();
  const counts: number[] = [];
  team.system.events$.subscribe((event) => {
    if (!coders.includes((event as { agent?: string }).agent ?? '')) return;
    const agent = (event as { agent: string }).agent;
    if (event.type === 'agent-started') running.add(agent);
    else if (event.type === 'agent-stopped') running.delete(agent);
    else return;
    counts.push(running.size);
  });
  return counts;
}

describe("a variable's constraints in a running space", () => {
  it('startAgents starts only the coders the selection names', async () => {
    const { team, latest } = await run(coderTeam({ resourceRequirements: { memory: 1_000 } }));
    await team.startAgents();
    expect(coders.map((id) => latest().agents[id]?.status)).toEqual([
      'active',
      'active',
      'inactive',
    ]);
    expect(team.instances('javascript_coder')).toEqual([]);
    await team.stop();
  });

  it('maxConcurrent holds at every instant of a swap: the leaving coder stops first', async () => {
    const { team, latest } = await run(coderTeam({ resourceRequirements: { memory: 1_000 } }));
    const counts = runningCounts(team);
    await team.startAgents();
    const next = await team.setVariable('coder_agent', ['python_coder', 'javascript_coder']);
    expect(counts).toEqual([1, 2, 1, 2]);
    expect(Math.max(...counts)).toBe(2);
    expect(next.adaptationHistory.at(-1)?.outcome).toBe('success');
    expect(latest().agents.elixir_coder?.status).toBe('inactive');
    expect(latest().agents.javascript_coder?.status).toBe('active');
    await team.stop();
  });

  it('refuses a start past maxConcurrent with a typed error, and changes nothing', async () => {
    const { team, events, latest } = await run(
      coderTeam({ resourceRequirements: { memory: 1_000 } }),
    );
    await team.startAgents();
    const next = await team.applyDirectives([directive('javascript_coder', 'start')]);
    const failed = events.find((e) => e.type === 'directive-failed');
    expect(failed).toMatchObject({
      error: { name: 'ConstraintViolationError', code: 'MAX_CONCURRENT_EXCEEDED' },
    });
    expect(next.adaptationHistory.at(-1)?.errors).toEqual([
      {
        code: 'MAX_CONCURRENT_EXCEEDED',
        message: expect.stringContaining('maxConcurrent 2'),
      },
    ]);
    expect(latest().agents.javascript_coder?.status).toBe('inactive');
    expect(team.instances('javascript_coder')).toEqual([]);
    await team.stop();
  });

  it('memory_bound: the coders that run together fit in the variable’s memory', async () => {
    // 100 + 200 > 256: the second coder cannot start beside the first.
    const { team, latest } = await run(coderTeam({}, { elixir_coder: 200 }));
    const next = await team.startAgents();
    expect(latest().agents.python_coder?.status).toBe('active');
    expect(latest().agents.elixir_coder?.status).not.toBe('active');
    expect(next.adaptationHistory.at(-1)).toMatchObject({
      outcome: 'partial_success',
      errors: [
        {
          code: 'RESOURCE_LIMIT_EXCEEDED',
          message: expect.stringContaining('running agents hold 100 and elixir_coder needs 200'),
        },
      ],
    });
    // A swap to a coder that fits goes through.
    await team.setVariable('coder_agent', ['python_coder', 'javascript_coder']);
    expect(latest().agents.javascript_coder?.status).toBe('active');
    await team.stop();
  });

  it('refuses a resourceLimit with nothing to bound by', () => {
    expect(() =>
      agentSelection('coder_agent', {
        agents: coders,
        constraints: { resourceLimit: 'token_bound' },
      }),
    ).toThrow(/resourceLimit "token_bound" needs a positive resourceRequirements.tokens/);
  });
});
