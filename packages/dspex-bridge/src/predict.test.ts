import { ConfigurationError, createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { arithmeticTask } from '../test/arithmetic-task';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { LanguageModelError, type OutputParseError } from './errors';
import { example } from './example';
import { createLanguageModelRegistry } from './language-model-registry';
import { predict } from './predict';
import { signature } from './signature';
import { createSimulatedLanguageModel } from './simulated-language-model';
import { createTraceCollector } from './trace';

const sig = signature('question -> answer, confidence: number', {
  instructions: 'Answer the question.',
});

describe('predict', () => {
  it('sends instruction, demos and inputs, and returns the validated outputs', async () => {
    const lm = scriptedLanguageModel(['{"answer":"5","confidence":0.9}']);
    const qa = predict(sig, {
      lm,
      temperature: 0.2,
      maxTokens: 300,
      demos: [example({ question: 'What is 1 + 1?' }, { answer: '2', confidence: 1 })],
    });
    const output = await qa.call(
      { question: 'What is 2 + 3?' },
      { rolloutId: 'r7', agentId: 'solver', seed: 11 },
    );
    expect(output).toEqual({ answer: '5', confidence: 0.9 });
    const [request] = lm.requests;
    expect(request?.temperature).toBe(0.2);
    expect(request?.maxTokens).toBe(300);
    expect(request?.rolloutId).toBe('r7');
    expect(request?.seed).toBe(11);
    expect(request?.agentId).toBe('solver');
    expect(request?.responseFormat).toBe('json');
    expect(request?.responseSchema).toEqual({ name: 'outputs', schema: sig.outputJsonSchema });
    expect(request?.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(request?.messages[0]?.content.startsWith('Answer the question.')).toBe(true);
    expect(request?.messages[2]?.content).toBe('{"answer":"2","confidence":1}');
    expect(request?.messages[3]?.content).toContain('[[ ## question ## ]]\nWhat is 2 + 3?');
  });

  it('asks for plain text from a model without JSON mode', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a","confidence":1}'], { capabilities: {} });
    await predict(sig, { lm }).call({ question: 'q' });
    expect(lm.requests[0]?.responseFormat).toBeUndefined();
    expect(lm.requests[0]?.responseSchema).toBeUndefined();
  });

  it('exposes its parameters as variables, and withConfig leaves the original unchanged', async () => {
    const lm = scriptedLanguageModel(['{"answer":"a","confidence":1}']);
    const qa = predict(sig, { lm, instructionCandidates: ['Answer briefly.'], maxDemos: 2 });
    expect(qa.variables.variables.map((v) => v.id)).toEqual([
      'model',
      'temperature',
      'maxTokens',
      'instruction',
      'demos',
      'reasoningStrategy',
    ]);
    expect(qa.configuration).toEqual({
      model: 'scripted',
      temperature: 0.7,
      maxTokens: 1024,
      instruction: 'Answer the question.',
      demos: [],
      reasoningStrategy: 'predict',
    });
    expect(qa.variables.get('instruction')).toMatchObject({ candidates: ['Answer briefly.'] });
    const demo = { inputs: { question: 'q0' }, labels: { answer: 'a0', confidence: 1 } };
    const tuned = qa.withConfig({ temperature: 0, instruction: 'Answer briefly.', demos: [demo] });
    expect(tuned.configuration).toMatchObject({
      temperature: 0,
      instruction: 'Answer briefly.',
      demos: [demo],
    });
    expect(qa.configuration.temperature).toBe(0.7);
    await tuned.call({ question: 'q' });
    await qa.call({ question: 'q' });
    expect(lm.requests[0]?.temperature).toBe(0);
    expect(lm.requests[0]?.messages).toHaveLength(4);
    expect(lm.requests[0]?.messages[0]?.content.startsWith('Answer briefly.')).toBe(true);
    expect(lm.requests[1]?.temperature).toBe(0.7);
    expect(lm.requests[1]?.messages).toHaveLength(2);
  });

  it('rejects an invalid configuration with every bad path', () => {
    const qa = predict(sig, { lm: scriptedLanguageModel(['']), maxDemos: 1 });
    try {
      qa.withConfig({
        temperature: 3,
        demos: [
          { inputs: {}, labels: {} },
          { inputs: {}, labels: {} },
        ],
        model: 'gpt-9',
      });
      throw new Error('expected a ConfigurationError');
    } catch (error) {
      expect(ConfigurationError.isInstance(error, 'CONFIGURATION_INVALID')).toBe(true);
      const paths = (error as ConfigurationError).issues.map((issue) => issue.path).sort();
      expect(paths).toEqual(['demos', 'model', 'temperature']);
    }
  });

  it('chooses among models of a registry with its model variable', async () => {
    const small = scriptedLanguageModel(['{"answer":"small","confidence":0}'], {
      modelId: 'small',
    });
    const large = scriptedLanguageModel(['{"answer":"large","confidence":1}'], {
      modelId: 'large',
    });
    const qa = predict(sig, { lm: createLanguageModelRegistry([small, large]) });
    expect(qa.variables.get('model')).toMatchObject({
      choices: ['small', 'large'],
      default: 'small',
    });
    expect((await qa.call({ question: 'q' })).answer).toBe('small');
    expect((await qa.withConfig({ model: 'large' }).call({ question: 'q' })).answer).toBe('large');
  });

  it('uses the model of the call over its own, and fails without any', async () => {
    const own = scriptedLanguageModel(['{"answer":"own","confidence":0}']);
    const other = scriptedLanguageModel(['{"answer":"other","confidence":0}']);
    expect((await predict(sig, { lm: own }).call({ question: 'q' }, { lm: other })).answer).toBe(
      'other',
    );
    await expect(predict(sig).call({ question: 'q' })).rejects.toMatchObject({
      code: 'LM_NOT_CONFIGURED',
    });
  });

  it('validates inputs before calling the model', async () => {
    const lm = scriptedLanguageModel(['{}']);
    const error = await predict(sig, { lm })
      .call({ question: 42 } as never)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INPUT_INVALID' });
    expect((error as Error).message).toContain('question');
    expect((error as Error).message).toContain('(got 42)');
    expect(lm.requests).toHaveLength(0);
  });

  it('re-asks once after an unreadable reply, showing the model its error', async () => {
    const lm = scriptedLanguageModel(['The answer is 5.', '{"answer":"5","confidence":1}']);
    const traces = createTraceCollector();
    const output = await predict(sig, { lm }).call({ question: 'q' }, { trace: traces });
    expect(output).toEqual({ answer: '5', confidence: 1 });
    const retry = lm.requests[1]?.messages ?? [];
    expect(retry.slice(-2).map((m) => m.role)).toEqual(['assistant', 'user']);
    expect(retry.at(-2)?.content).toBe('The answer is 5.');
    expect(retry.at(-1)?.content).toContain('Your reply could not be read');
    expect(traces.traces()[0]).toMatchObject({
      attempts: 2,
      usage: { inputTokens: 20, outputTokens: 10, totalTokens: 30, cost: 1 },
    });
  });

  it('fails with the raw text when re-asking does not help', async () => {
    const lm = scriptedLanguageModel(['not json', '{"answer":"5"}']);
    const error = (await predict(sig, { lm, parseRetries: 1 })
      .call({ question: 'q' })
      .catch((e: unknown) => e)) as OutputParseError;
    expect(error).toMatchObject({ code: 'OUTPUT_INVALID', rawText: '{"answer":"5"}', attempts: 2 });
    expect(error.message).toContain('(after 2 attempts)');
    const once = scriptedLanguageModel(['not json']);
    await expect(
      predict(sig, { lm: once, parseRetries: 0 }).call({ question: 'q' }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_PARSE_FAILED',
      rawText: 'not json',
      attempts: 1,
    });
    expect(once.requests).toHaveLength(1);
  });

  it('records a trace per call, errors included', async () => {
    const clock = createManualClock(1000);
    const failing = new LanguageModelError({
      code: 'LM_HTTP_ERROR',
      message: 'HTTP 500',
      provider: 'p',
      modelId: 'm',
      status: 500,
    });
    const lm = scriptedLanguageModel(['{"answer":"a","confidence":0.5}', failing]);
    const traces = createTraceCollector();
    const qa = predict(sig, { lm, clock, name: 'qa' });
    await qa.call({ question: 'q1' }, { trace: traces, runId: 'r1' });
    await expect(
      qa.call({ question: 'q2' }, { trace: traces, runId: 'r2', agentId: 'coder' }),
    ).rejects.toBe(failing);
    expect(traces.traces()).toEqual([
      {
        agentId: 'qa',
        runId: 'r1',
        step: 1,
        input: { question: 'q1' },
        output: { answer: 'a', confidence: 0.5 },
        configuration: qa.configuration,
        startedAt: 1000,
        endedAt: 1000,
        predictor: '',
        modelId: 'scripted',
        attempts: 1,
        usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cost: 0.5 },
      },
      {
        agentId: 'coder',
        runId: 'r2',
        step: 1,
        input: { question: 'q2' },
        output: undefined,
        configuration: qa.configuration,
        startedAt: 1000,
        endedAt: 1000,
        predictor: '',
        modelId: 'scripted',
        attempts: 1,
        error: { code: 'LM_HTTP_ERROR', message: 'HTTP 500' },
      },
    ]);
  });

  it('reports usage of every response to onUsage', async () => {
    const seen: [number, string][] = [];
    const lm = scriptedLanguageModel(['oops', '{"answer":"a","confidence":1}']);
    await predict(sig, { lm }).call(
      { question: 'q' },
      { onUsage: (usage, modelId) => seen.push([usage.totalTokens, modelId]) },
    );
    expect(seen).toEqual([
      [15, 'scripted'],
      [15, 'scripted'],
    ]);
  });

  it('passes the abort signal to the model', async () => {
    const lm = createSimulatedLanguageModel({ tasks: [arithmeticTask] });
    const controller = new AbortController();
    controller.abort();
    await expect(
      predict('question -> answer', { lm }).call(
        { question: 'What is 1 + 1?' },
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ code: 'LM_ABORTED' });
  });

  it('runs on the simulated model in both reply formats', async () => {
    const lm = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.98, maxAccuracy: 0.999 } },
    });
    for (const format of ['json', 'markers'] as const) {
      const qa = predict('question -> answer', { lm, format, temperature: 0.3 });
      expect(await qa.call({ question: 'What is 12 + 30?' })).toEqual({ answer: '42' });
    }
  });

  it('validates its options', () => {
    expect(() => predict(sig, { temperature: 5 })).toThrow(/temperature/);
    expect(() => predict(sig, { format: 'xml' as never })).toThrow(/format/);
    expect(() => predict(sig, { lm: {} as never })).toThrow(/lm: must be a LanguageModel/);
    expect(() => predict('question answer')).toThrow(/position/);
  });
});
