import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider-v4';
import { createManualClock } from '@varplane/core';
import { wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  type ChatServer,
  completion,
  type Responder,
  sendJson,
  startChatServer,
} from '../test/chat-completions-server';
import { type AiSdkLanguageModel, createAiSdkLanguageModel } from './ai-sdk';
import { createCostModel } from './cost-model';
import type { RetryEvent } from './internal/retry';

const hello = {
  messages: [
    { role: 'system' as const, content: 'Be brief.' },
    { role: 'user' as const, content: 'Hello' },
  ],
};

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function provider(...responders: Responder[]) {
  server = await startChatServer(responders);
  const local = createOpenAICompatible({
    name: 'local',
    baseURL: server.baseURL,
    apiKey: 'k',
    supportsStructuredOutputs: true,
  });
  return { model: local.chatModel('small'), chat: server };
}

describe('createAiSdkLanguageModel', () => {
  it('accepts any AI SDK 6 (v3) and AI SDK 7 (v4) model by type', () => {
    expectTypeOf<LanguageModelV3>().toExtend<AiSdkLanguageModel>();
    expectTypeOf<LanguageModelV4>().toExtend<AiSdkLanguageModel>();
  });

  it('reads a v4 result: structured output text, interrupted finish, deprecation warnings', async () => {
    const calls: LanguageModelV4CallOptions[] = [];
    // A v4 provider as @ai-sdk/provider 4 types it (AI SDK 7 itself needs Node 22 to run).
    const v4: LanguageModelV4 = {
      specificationVersion: 'v4',
      provider: 'v4-provider',
      modelId: 'm4',
      supportedUrls: {},
      async doGenerate(options) {
        calls.push(options);
        return {
          content: [
            { type: 'text', text: 'draft: {"answer": 1}\n' },
            { type: 'text', text: '{"answer": 2}' },
          ],
          structuredOutputText: '{"answer": 2}',
          finishReason: { unified: 'interrupted', raw: 'cut' },
          usage: {
            inputTokens: { total: 5, noCache: 5, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 4, text: 4, reasoning: 0 },
          },
          warnings: [{ type: 'deprecated', setting: 'seed', message: 'use providerOptions' }],
        };
      },
      doStream() {
        throw new Error('not used here');
      },
    };
    const lm = createAiSdkLanguageModel({ model: v4 });
    const json = await lm.generate({ ...hello, responseFormat: 'json', seed: 1 });
    expect(json).toEqual({
      text: '{"answer": 2}',
      finishReason: 'other',
      usage: { inputTokens: 5, outputTokens: 4, totalTokens: 9 },
      modelId: 'm4',
      warnings: ['deprecated: seed (use providerOptions)'],
    });
    expect(calls[0]?.responseFormat).toEqual({ type: 'json' });
    expect(calls[0]?.seed).toBe(1);
    // Without JSON mode the text parts are joined, as in v3.
    expect((await lm.generate(hello)).text).toBe('draft: {"answer": 1}\n{"answer": 2}');
  });

  it('runs an AI SDK provider against a real server: prompt, parameters, text, usage and cost', async () => {
    const { model, chat } = await provider((_, res) => sendJson(res, 200, completion('Hi')));
    const lm = createAiSdkLanguageModel({
      model,
      costModel: createCostModel({ prices: { small: { input: 1, output: 1 } }, per: 1 }),
    });
    expect(lm.provider).toBe('local.chat');
    expect(lm.modelId).toBe('small');
    const reply = await lm.generate({ ...hello, temperature: 0.2, maxTokens: 30, seed: 3 });
    expect(reply).toEqual({
      text: 'Hi',
      finishReason: 'stop',
      usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18, cost: 18 },
      modelId: 'test-model',
    });
    expect(chat.requests[0]?.body).toMatchObject({
      model: 'small',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      temperature: 0.2,
      max_tokens: 30,
      seed: 3,
    });
  });

  it('passes the JSON Schema of a structured answer through the provider', async () => {
    const { model, chat } = await provider((_, res) =>
      sendJson(res, 200, completion('{"answer":"5"}')),
    );
    const lm = createAiSdkLanguageModel({ model });
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string' } },
      required: ['answer'],
    };
    const reply = await lm.generate({
      ...hello,
      responseFormat: 'json',
      responseSchema: { name: 'qa', schema },
    });
    expect(reply.text).toBe('{"answer":"5"}');
    expect(chat.requests[0]?.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'qa', schema },
    });
  });

  it('retries a provider 429 honouring Retry-After, then a 500, then succeeds', async () => {
    const { model } = await provider(
      (_, res) => sendJson(res, 429, { error: { message: 'slow' } }, { 'retry-after': '3' }),
      (_, res) => sendJson(res, 500, { error: { message: 'oops' } }),
      (_, res) => sendJson(res, 200, completion('ok')),
    );
    const clock = createManualClock();
    const events: RetryEvent[] = [];
    let wake: (() => void) | undefined;
    const lm = createAiSdkLanguageModel({
      model,
      clock,
      retry: { initialDelayMs: 100, jitter: 0 },
      onRetry: (event) => {
        events.push(event);
        wake?.();
      },
    });
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    let waiting = next();
    const reply = lm.generate(hello);
    await waiting;
    expect(events[0]).toMatchObject({ retry: 1, delayMs: 3000 });
    expect(events[0]?.error).toMatchObject({ code: 'LM_RATE_LIMITED', status: 429 });
    waiting = next();
    clock.advance(3000);
    await waiting;
    expect(events[1]).toMatchObject({ retry: 2, delayMs: 200 });
    expect(events[1]?.error).toMatchObject({ code: 'LM_HTTP_ERROR', status: 500 });
    clock.advance(200);
    expect((await reply).text).toBe('ok');
  });

  it('does not retry what the provider marks final', async () => {
    const { model, chat } = await provider((_, res) =>
      sendJson(res, 401, { error: { message: 'bad key' } }),
    );
    const lm = createAiSdkLanguageModel({ model });
    await expect(lm.generate(hello)).rejects.toMatchObject({
      code: 'LM_HTTP_ERROR',
      status: 401,
      attempts: 1,
    });
    expect(chat.requests).toHaveLength(1);
  });

  it('times out and aborts on the injected clock and the caller signal', async () => {
    const { model, chat } = await provider(() => {
      // Never answers.
    });
    const clock = createManualClock();
    const lm = createAiSdkLanguageModel({ model, clock, timeoutMs: 100, retry: { maxRetries: 0 } });
    const timedOut = lm.generate(hello);
    await chat.nextRequest();
    clock.advance(100);
    await expect(timedOut).rejects.toMatchObject({ code: 'LM_TIMEOUT' });
    const controller = new AbortController();
    const aborted = lm.generate({ ...hello, signal: controller.signal });
    await chat.nextRequest();
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'LM_ABORTED' });
  });

  it('works with models wrapped in AI SDK middleware', async () => {
    const { model } = await provider((_, res) => sendJson(res, 200, completion('wrapped')));
    const wrapped = wrapLanguageModel({
      model,
      middleware: {
        specificationVersion: 'v3',
        transformParams: async ({ params }) => ({ ...params, temperature: 0 }),
      },
    });
    const lm = createAiSdkLanguageModel({ model: wrapped });
    expect((await lm.generate({ ...hello, temperature: 1 })).text).toBe('wrapped');
    expect(server?.requests[0]?.body.temperature).toBe(0);
  });

  it('rejects something that is not a v3 or v4 model', () => {
    expect(() =>
      createAiSdkLanguageModel({
        model: { specificationVersion: 'v2' } as unknown as AiSdkLanguageModel,
      }),
    ).toThrow(/model: must be an AI SDK language model \(specificationVersion "v3" or "v4"/);
  });
});
