import {
  adaptationRate,
  agentSelection,
  createMultiAgentSpace,
  InvalidArgumentError,
  setLocalConfiguration,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { agentize } from './agentize';
import { bridgeSignature } from './bridge-signature';
import { functionProgram } from './function-program';
import { predict } from './predict';
import { routeBySelection } from './route-by-selection';
import { createWorkflow } from './workflow';

const coder = (language: string) =>
  functionProgram({
    name: language,
    signature: 'task -> code',
    run: ({ task }) => ({ code: `${language}: ${String(task)}` }),
  });

describe('bridgeSignature', () => {
  const router = agentize(
    routeBySelection({
      variable: 'coder_choice',
      programs: { py: coder('python'), rs: coder('rust') },
    }),
    {
      agentId: 'coder',
      resources: { tokens: 5000 },
    },
  );
  const lm = scriptedLanguageModel(['{"verdict":"ok"}']);
  const reviewer = agentize(predict('code -> verdict', { lm }), {
    agentId: 'reviewer',
    localVariables: ['temperature', 'instruction'],
  });
  const workflow = createWorkflow([router, reviewer], {
    id: 'team',
    orchestrationVariables: [
      agentSelection('reviewers', { agents: ['reviewer'] }),
      adaptationRate('pace', { agents: ['coder', 'reviewer'], default: 0.3 }),
    ],
  });

  it('describes the coordination interface of the agent that runs the program', () => {
    const bridged = bridgeSignature(router, workflow.space);
    expect(bridged.originalProgram).toBe(router.program);
    expect(bridged.agentRef).toEqual({ id: 'coder', node: 'local' });
    const coordination = bridged.coordinationInterface;
    expect(coordination.variableSubscriptions).toEqual(['pace']);
    expect(Object.keys(coordination.coordinationCallbacks)).toEqual(['pace']);
    expect(coordination.resourceRequirements).toMatchObject({ tokens: 5000, concurrency: 1 });
    expect(coordination.communicationProtocols).toEqual([
      'call:run',
      'cast:configure',
      'cast:orchestration',
      'call:status',
      'cast:directive',
      'data',
    ]);
    expect(bridged.orchestration).toEqual({ pace: 0.3 });
  });

  it('lists the variables an agentized program follows even when the space does not name it', () => {
    const follower = agentize(
      routeBySelection({ variable: 'pace', programs: { py: coder('python') } }),
      {
        agentId: 'coder',
      },
    );
    const other = createWorkflow([follower, reviewer], {
      id: 'other',
      orchestrationVariables: [adaptationRate('pace', { agents: ['reviewer'] })],
    });
    expect(other.space.orchestrationVariables.pace?.agents).toEqual(['reviewer']);
    expect(
      bridgeSignature(follower, other.space).coordinationInterface.variableSubscriptions,
    ).toEqual(['pace']);
    expect(bridgeSignature(follower, other.space).orchestration).toEqual({ pace: 0.1 });
  });

  it('reports local optimization from the space and runs the program as the agent would', async () => {
    const space = setLocalConfiguration(workflow.space, 'reviewer', {
      temperature: 0.05,
      instruction: 'Be strict.',
    });
    const bridged = bridgeSignature(reviewer, space);
    expect(bridged.localOptimization).toMatchObject({
      enabled: true,
      configuration: { temperature: 0.05, instruction: 'Be strict.' },
    });
    expect(bridged.localOptimization.variables.variables.map((v) => v.id)).toEqual([
      'temperature',
      'instruction',
    ]);
    expect(bridged.coordinationInterface.variableSubscriptions).toEqual(['reviewers', 'pace']);
    expect(await bridged.call({ code: 'x' })).toEqual({ verdict: 'ok' });
    expect(lm.requests.at(-1)?.temperature).toBe(0.05);
    expect(lm.requests.at(-1)?.agentId).toBe('reviewer');
    expect(lm.requests.at(-1)?.messages[0]?.content.startsWith('Be strict.')).toBe(true);
  });

  it.each([
    ['teleprompter', 'simba'],
    ['optimizationFrequency', 50],
    ['metric', () => 1],
  ])("refuses the card's local-optimization field %s with a typed error", (field, value) => {
    const error = (() => {
      try {
        bridgeSignature(reviewer, workflow.space, { [field]: value } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'LOCAL_OPTIMIZATION_UNSUPPORTED',
      message: expect.stringContaining(`options.${field}`),
      issues: [expect.objectContaining({ path: `options.${field}`, value })],
    });
  });

  it('follows a value through its coordination callback, checked against the domain', async () => {
    const selecting = agentize(
      routeBySelection({
        variable: 'coder_choice',
        programs: { py: coder('python'), rs: coder('rust') },
      }),
      {
        agentId: 'coder',
      },
    );
    let space = createMultiAgentSpace({ id: 's' });
    space = selecting.register(space);
    const bridged = bridgeSignature(selecting, space);
    expect(bridged.coordinationInterface.variableSubscriptions).toEqual([]);
    const direct = bridgeSignature(selecting.program, workflow.space, { agentId: 'coder' });
    const paced = direct.coordinationInterface.coordinationCallbacks.pace?.(0.9);
    expect(paced?.orchestration).toEqual({ pace: 0.9 });
    expect(direct.orchestration).toEqual({ pace: 0.3 });
    expect(() => direct.coordinationInterface.coordinationCallbacks.pace?.(7)).toThrow(/pace/);
    expect(await bridged.call({ task: 't' }, { orchestration: { coder_choice: ['rs'] } })).toEqual({
      code: 'rust: t',
    });
  });

  it('needs an agent of the space', () => {
    expect(() => bridgeSignature(coder('go'), workflow.space)).toThrow(
      /options\.agentId: is needed/,
    );
    expect(() => bridgeSignature(coder('go'), workflow.space, { agentId: 'ghost' })).toThrow(
      /names no agent of space "team"; agents: coder, reviewer/,
    );
  });
});
