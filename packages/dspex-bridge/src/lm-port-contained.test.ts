import type { LanguageModel, LanguageModelStreamPart } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { arithmeticTask } from '../test/arithmetic-task';
import { createMemoryCacheStore } from './cache-store';
import type { LanguageModelError } from './errors';
import { predict } from './predict';
import { formatPrompt } from './prompt-format';
import { createRecordReplayLanguageModel } from './record-replay';
import { signature } from './signature';
import { createSimulatedLanguageModel, type SimulatedTask } from './simulated-language-model';

const sig = signature('question -> answer');

async function rejection(promise: Promise<unknown>): Promise<LanguageModelError> {
  try {
    await promise;
  } catch (error) {
    return error as LanguageModelError;
  }
  throw new Error('expected a rejection');
}

async function collect(parts: AsyncIterable<LanguageModelStreamPart>) {
  const out: LanguageModelStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

function model(generate: () => unknown): LanguageModel {
  return {
    specificationVersion: 'v1',
    provider: 'custom',
    modelId: 'm',
    generate: generate as LanguageModel['generate'],
  };
}

describe('the LanguageModel port, contained in predictors', () => {
  it('turns a generate that throws a string or undefined into LM_PROVIDER_ERROR', async () => {
    for (const thrown of ['boom', undefined, new TypeError('x is not a function')]) {
      const qa = predict(sig, {
        lm: model(() => {
          throw thrown;
        }),
      });
      const failure = await rejection(qa.call({ question: 'q' }));
      expect(failure.code).toBe('LM_PROVIDER_ERROR');
      expect(failure.message).toMatch(/custom m: generate failed: /);
    }
  });

  it('turns an answer that is not a response into LM_INVALID_RESPONSE naming the field', async () => {
    const cases: [unknown, string][] = [
      [undefined, '(response)'],
      [{}, 'text'],
      [
        {
          text: '{"answer":"1"}',
          finishReason: 'stop',
          modelId: 'm',
          usage: { inputTokens: -5, outputTokens: 1, totalTokens: 1 },
        },
        'usage.inputTokens',
      ],
      [
        {
          text: '{"answer":"1"}',
          finishReason: 'stop',
          modelId: 'm',
          usage: { inputTokens: Number.NaN, outputTokens: 1, totalTokens: 1 },
        },
        'usage.inputTokens',
      ],
    ];
    for (const [resolved, field] of cases) {
      const failure = await rejection(
        predict(sig, { lm: model(async () => resolved) }).call({ question: 'q' }),
      );
      expect(failure.code).toBe('LM_INVALID_RESPONSE');
      expect(failure.message).toContain(`${field}:`);
    }
  });
});

const lookupTask: SimulatedTask = {
  ...arithmeticTask,
  // Asks the calculator once, then answers.
  callTools: (_inputs, { tools, results }) =>
    results.length === 0 && tools.some((t) => t.name === 'calculator')
      ? [{ name: 'calculator', arguments: { expression: '2+3' } }]
      : [],
};
const calculator = { name: 'calculator', parameters: { type: 'object' } };
const question = (q: string) => formatPrompt(sig, { inputs: { question: q }, format: 'markers' });

describe('the simulated model: tools and streaming', () => {
  it('calls the tools its task asks for, then answers once it has the results', async () => {
    const lm = createSimulatedLanguageModel({ tasks: [lookupTask] });
    const first = await lm.generate({ messages: question('What is 2 + 3?'), tools: [calculator] });
    expect(first.finishReason).toBe('tool-calls');
    expect(first.toolCalls?.map((c) => [c.name, c.arguments])).toEqual([
      ['calculator', '{"expression":"2+3"}'],
    ]);
    const call = first.toolCalls?.[0];
    const second = await lm.generate({
      messages: [
        ...question('What is 2 + 3?'),
        { role: 'assistant', content: '', toolCalls: first.toolCalls ?? [] },
        { role: 'tool', toolCallId: call?.id ?? '', content: '5' },
      ],
      tools: [calculator],
    });
    expect(second.finishReason).toBe('stop');
    expect(second.toolCalls).toBeUndefined();
    // Without tools offered, the same task just answers.
    const plain = await lm.generate({ messages: question('What is 2 + 3?') });
    expect(plain.toolCalls).toBeUndefined();
  });

  it('streams the same answer generate gives, in pieces', async () => {
    const a = createSimulatedLanguageModel({ seed: 4, tasks: [arithmeticTask] });
    const b = createSimulatedLanguageModel({ seed: 4, tasks: [arithmeticTask] });
    const request = { messages: question('What is 20 + 22?'), seed: 1 };
    const whole = await a.generate(request);
    const parts = await collect(b.stream!(request));
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');
    expect(text).toBe(whole.text);
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(1);
    expect(parts.at(-1)).toEqual({ type: 'finish', response: whole });
  });

  it('contains a task whose solve throws or returns garbage', async () => {
    for (const solve of [
      () => {
        throw new Error('db down');
      },
      () => 'five',
      () => Promise.resolve({ answer: '5' }),
    ]) {
      const lm = createSimulatedLanguageModel({
        tasks: [{ type: 'broken', solve: solve as never }],
      });
      const failure = await rejection(lm.generate({ messages: question('q') }));
      expect(failure).toMatchObject({
        code: 'LM_PROVIDER_ERROR',
        message: expect.stringContaining('task broken: solve'),
      });
    }
  });
});

describe('record/replay: streams and tool calls', () => {
  it('records a stream with its deltas and replays it the same way, offline', async () => {
    const store = createMemoryCacheStore();
    const live = createSimulatedLanguageModel({ tasks: [lookupTask] });
    const recorder = createRecordReplayLanguageModel({ model: live, store, mode: 'record' });
    const request = { messages: question('What is 2 + 3?') };
    const recorded = await collect(recorder.stream!(request));
    const toolRequest = { messages: question('What is 2 + 3?'), tools: [calculator] };
    const toolCall = await recorder.generate(toolRequest);
    expect(store.entries()[0]?.deltas?.length).toBeGreaterThan(1);

    const replay = createRecordReplayLanguageModel({
      model: { provider: 'simulated', modelId: 'simulated' },
      store,
      mode: 'replay',
    });
    expect(await collect(replay.stream!(request))).toEqual(recorded);
    const replayed = await collect(replay.stream!(toolRequest));
    expect(replayed).toEqual([
      ...(toolCall.toolCalls ?? []).map((c) => ({ type: 'tool-call', toolCall: c })),
      { type: 'finish', response: toolCall },
    ]);
    // Tools are part of the key: the same messages without them were recorded apart.
    expect(store.entries()[0]?.key).not.toBe(store.entries()[1]?.key);
    expect(replay.stats()).toEqual({ hits: 2, misses: 0, recorded: 0 });
  });
});
