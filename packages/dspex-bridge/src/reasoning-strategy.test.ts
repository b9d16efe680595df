import { createMultiAgentSpace, VarplaneError } from '@varplane/core';
import { type RunningSpace, startSpace } from '@varplane/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { arithmeticTask, sums } from '../test/arithmetic-task';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { agentize } from './agentize';
import { chainOfThought } from './chain-of-thought';
import { evaluate, exactMatch } from './evaluate';
import { predict } from './predict';
import { signature } from './signature';
import { createSimulatedLanguageModel } from './simulated-language-model';
import { createTraceCollector } from './trace';

function thrown(run: () => unknown): VarplaneError {
  try {
    run();
  } catch (error) {
    if (VarplaneError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a typed error');
}

let running: RunningSpace | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe("predict's reasoningStrategy variable", () => {
  it('is a choice of predict and chain_of_thought, predict by default', () => {
    const qa = predict('question -> answer', { lm: scriptedLanguageModel(['{"answer":"a"}']) });
    const variable = qa.variables.get('reasoningStrategy') as { choices: readonly string[] };
    expect(variable.choices).toEqual(['predict', 'chain_of_thought']);
    expect(qa.configuration.reasoningStrategy).toBe('predict');
    const given = predict('question -> answer', { reasoningStrategy: 'chain_of_thought' });
    expect(given.configuration.reasoningStrategy).toBe('chain_of_thought');
  });

  it('asks for reasoning first under chain_of_thought and returns only the outputs', async () => {
    const lm = scriptedLanguageModel([
      '{"answer":"5"}',
      '{"reasoning":"2 and 3 make 5.","answer":"5"}',
    ]);
    const qa = predict('question -> answer', { lm });
    const trace = createTraceCollector();
    expect(await qa.call({ question: 'What is 2 + 3?' })).toEqual({ answer: '5' });
    const thoughtful = qa.withConfig({ reasoningStrategy: 'chain_of_thought' });
    expect(await thoughtful.call({ question: 'What is 2 + 3?' }, { trace })).toEqual({
      answer: '5',
    });
    const [plain, reasoned] = lm.requests;
    expect(Object.keys(plain?.responseSchema?.schema.properties as object)).toEqual(['answer']);
    expect(Object.keys(reasoned?.responseSchema?.schema.properties as object)).toEqual([
      'reasoning',
      'answer',
    ]);
    expect(reasoned?.messages[0]?.content).toContain('reasoning');
    expect(trace.traces()[0]?.output).toEqual({ reasoning: '2 and 3 make 5.', answer: '5' });
    expect(thoughtful.signature.outputFields.map((f) => f.name)).toEqual(['answer']);
  });

  it('changes the score on a model that reasons better when asked to', async () => {
    const lm = createSimulatedLanguageModel({
      seed: 11,
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.3, reasoningBonus: 2 } },
    });
    const qa = predict('question -> answer', { lm });
    const devset = sums(60);
    const plain = await evaluate(qa, devset, exactMatch('answer'));
    const reasoned = await evaluate(
      qa.withConfig({ reasoningStrategy: 'chain_of_thought' }),
      devset,
      exactMatch('answer'),
    );
    expect(reasoned.score).toBeGreaterThan(plain.score + 0.2);
  });

  it('offers only predict when the signature has a reasoning field of its own', () => {
    const own = predict(signature('question -> reasoning, answer'));
    expect(
      (own.variables.get('reasoningStrategy') as { choices: readonly string[] }).choices,
    ).toEqual(['predict']);
    const error = thrown(() =>
      predict('question -> reasoning, answer', { reasoningStrategy: 'chain_of_thought' }),
    );
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('reasoningStrategy');
  });

  it('refuses strategies it cannot carry out, and chainOfThought refuses the option', () => {
    const react = thrown(() => predict('q -> a', { reasoningStrategy: 'react' as never }));
    expect(react.code).toBe('INVALID_ARGUMENT');
    expect(react.message).toMatch(/reasoningStrategy.*"predict", "chain_of_thought".*react/);
    const viaConfig = thrown(() =>
      predict('q -> a').withConfig({ reasoningStrategy: 'program_of_thought' }),
    );
    expect(VarplaneError.isInstance(viaConfig)).toBe(true);
    expect(viaConfig.message).toContain('reasoningStrategy');
    const cot = thrown(() => chainOfThought('q -> a', { reasoningStrategy: 'predict' } as never));
    expect(cot.code).toBe('INVALID_ARGUMENT');
  });

  it("is a local variable of an agentized program under the card's name, set in a running space", async () => {
    const lm = scriptedLanguageModel(['{"reasoning":"r","answer":"a"}']);
    const coder = agentize(predict('task -> answer', { lm }), {
      agentId: 'python_coder',
      role: 'executor',
      localVariables: ['temperature', 'max_tokens', 'reasoning_strategy'],
    });
    expect(coder.localVariables.variables.map((v) => v.id)).toEqual([
      'temperature',
      'maxTokens',
      'reasoningStrategy',
    ]);
    const space = coder.register(createMultiAgentSpace({ id: 'team' }));
    expect(space.agents.python_coder?.localConfiguration.reasoningStrategy).toBe('predict');
    running = await startSpace(space, {
      behaviours: { [coder.config.behaviour]: coder.behaviour },
      statsIntervalMs: 0,
    });
    await running.startAgents();
    await running.call('python_coder', {
      type: 'configure',
      configuration: { reasoningStrategy: 'chain_of_thought' },
    });
    expect(await running.call('python_coder', { type: 'run', inputs: { task: 't' } })).toEqual({
      answer: 'a',
    });
    expect(Object.keys(lm.requests[0]?.responseSchema?.schema.properties as object)).toEqual([
      'reasoning',
      'answer',
    ]);
  });
});
