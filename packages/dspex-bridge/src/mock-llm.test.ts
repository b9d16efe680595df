import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModel, LanguageModelStreamPart } from '@varplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm } from '../test/mock-llm-server';
import { createAiSdkLanguageModel } from './ai-sdk';
import { LanguageModelError } from './errors';
import { createOpenAICompatibleLanguageModel } from './openai-compatible';
import { predictWithTools } from './predict-with-tools';
import { createTraceCollector } from './trace';

// Both adapters against one real OpenAI-compatible server process (`@dwmkerr/mock-llm`).
let server: MockLlm;
beforeAll(async () => {
  server = await startMockLlm();
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

const KEY = 'sk-mock-secret-1234567890';
const noRetries = { maxRetries: 0 };

const adapters: [string, () => LanguageModel][] = [
  [
    'the OpenAI-compatible HTTP adapter',
    () =>
      createOpenAICompatibleLanguageModel({
        baseURL: server.baseURL,
        model: 'mock-model',
        apiKey: KEY,
        retry: noRetries,
      }),
  ],
  [
    'the AI SDK adapter',
    () =>
      createAiSdkLanguageModel({
        model: createOpenAICompatible({
          name: 'mock',
          baseURL: server.baseURL,
          apiKey: KEY,
        }).chatModel('mock-model'),
        retry: noRetries,
      }),
  ],
];

const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

function streamOf(lm: LanguageModel, request: Parameters<LanguageModel['generate']>[0]) {
  if (lm.stream === undefined) throw new Error(`${lm.provider} does not stream`);
  return lm.stream(request);
}

async function collect(parts: AsyncIterable<LanguageModelStreamPart>) {
  const out: LanguageModelStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function failureOf(promise: Promise<unknown>): Promise<LanguageModelError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LanguageModelError);
    return error as LanguageModelError;
  }
  throw new Error('expected a failure');
}

describe.each(adapters)('%s against mock-llm', (_name, make) => {
  it('answers with the text, the finish reason and the usage the server reports', async () => {
    const reply = await make().generate(user('hello there'));
    expect(reply.text).toBe('hello there');
    expect(reply.finishReason).toBe('stop');
    expect(reply.usage).toEqual({ inputTokens: 3, outputTokens: 2, totalTokens: 5 });
    expect(reply.toolCalls).toBeUndefined();
  });

  it('streams text in the pieces the server sends, with usage marked estimated (it reports none)', async () => {
    const text = 'a streamed answer in pieces';
    const parts = await collect(streamOf(make(), user(text)));
    const deltas = parts.filter((p) => p.type === 'text-delta').map((p) => p.text);
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.join('')).toBe(text);
    const finish = parts.at(-1);
    expect(finish?.type).toBe('finish');
    if (finish?.type !== 'finish') return;
    expect(finish.response.text).toBe(text);
    expect(finish.response.finishReason).toBe('stop');
    expect(finish.response.usage.estimated).toBe(true);
    expect(finish.response.usage.outputTokens).toBeGreaterThan(0);
  });

  it('cancels a stream when the signal fires mid-answer', async () => {
    const controller = new AbortController();
    const parts: LanguageModelStreamPart[] = [];
    // 2 000 characters in 4-character pieces every 2 ms: about a second if nothing stops it.
    const stream = streamOf(make(), { ...user('x'.repeat(2000)), signal: controller.signal });
    const started = Date.now();
    const failure = await failureOf(
      (async () => {
        for await (const part of stream) {
          parts.push(part);
          if (parts.length === 3) controller.abort();
        }
      })(),
    );
    expect(failure.code).toBe('LM_ABORTED');
    expect(parts.length).toBeLessThan(10);
    expect(Date.now() - started).toBeLessThan(900);
  });

  it('returns the tool call the server answers with', async () => {
    const reply = await make().generate({
      ...user('use-tool: the weather in Paris?'),
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
    });
    expect(reply.finishReason).toBe('tool-calls');
    expect(reply.toolCalls).toEqual([
      { id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    ]);
  });

  it('runs a predictWithTools loop end to end: tool call, handler, tool result, answer', async () => {
    const traces = createTraceCollector();
    const cities: unknown[] = [];
    const forecaster = predictWithTools('request -> forecast', {
      lm: make(),
      format: 'json',
      tools: {
        get_weather: {
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
          handler: async (args) => {
            cities.push(args);
            return 'clear skies';
          },
        },
      },
    });
    const outputs = await forecaster.call({ request: 'use-tool please' }, { trace: traces });
    expect(outputs).toEqual({ forecast: 'clear skies' });
    expect(cities).toEqual([{ city: 'Paris' }]);
    expect(traces.traces().map((t) => t.toolCalls?.map((c) => c.content))).toEqual([
      ['clear skies'],
      undefined,
    ]);
  });

  it('calls a 200 whose body is not a completion LM_INVALID_RESPONSE', async () => {
    const failure = await failureOf(make().generate(user('not-a-completion')));
    expect(failure.code).toBe('LM_INVALID_RESPONSE');
  });

  it('keeps the API key out of the error when the server echoes it', async () => {
    const failure = await failureOf(make().generate(user('echo-key')));
    expect(failure.code).toBe('LM_HTTP_ERROR');
    expect(failure.status).toBe(401);
    expect(failure.message).toContain('bad key Bearer [redacted]');
    const seen = JSON.stringify({ message: failure.message, cause: String(failure.cause) });
    expect(seen).not.toContain(KEY);
  });
});
