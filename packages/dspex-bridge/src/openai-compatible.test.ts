import { createManualClock, createRandom, type ManualClock, VarplaneError } from '@varplane/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatServer,
  completion,
  type Responder,
  sendJson,
  startChatServer,
} from '../test/chat-completions-server';
import { createCostModel } from './cost-model';
import type { LanguageModelError } from './errors';
import { backoffDelay, type RetryEvent } from './internal/retry';
import { languageModelFromEnv } from './language-model-env';
import { createOpenAICompatibleLanguageModel } from './openai-compatible';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...responders: Responder[]): Promise<ChatServer> {
  server = await startChatServer(responders);
  return server;
}

async function failure(promise: Promise<unknown>): Promise<LanguageModelError> {
  try {
    await promise;
  } catch (error) {
    expect(VarplaneError.isInstance(error)).toBe(true);
    return error as LanguageModelError;
  }
  throw new Error('expected a rejection');
}

/** Resolves with the next retry event, so a test can move a manual clock past its wait. */
function retries(): {
  onRetry: (event: RetryEvent) => void;
  next: () => Promise<RetryEvent>;
  all: RetryEvent[];
} {
  const all: RetryEvent[] = [];
  const waiting: ((event: RetryEvent) => void)[] = [];
  return {
    all,
    onRetry(event) {
      all.push(event);
      waiting.shift()?.(event);
    },
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

describe('createOpenAICompatibleLanguageModel', () => {
  it('sends the chat completions wire format and reads text, usage, cost and finish reason', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 200, completion('Hi there')),
    );
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'test-model',
      apiKey: 'sk-test',
      costModel: createCostModel({ prices: { 'test-*': { input: 1, output: 2 } }, per: 1000 }),
    });
    const reply = await lm.generate({
      ...hello,
      temperature: 0.3,
      maxTokens: 50,
      stop: ['\n'],
      seed: 7,
    });
    expect(reply).toEqual({
      text: 'Hi there',
      finishReason: 'stop',
      usage: { inputTokens: 11, outputTokens: 7, totalTokens: 18, cost: (11 * 1 + 7 * 2) / 1000 },
      modelId: 'test-model',
    });
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: false,
      temperature: 0.3,
      max_tokens: 50,
      stop: ['\n'],
      seed: 7,
    });
  });

  it('never sends the rollout id or the agent id to the provider', async () => {
    const { baseURL, requests } = await serve((_, res) => sendJson(res, 200, completion('ok')));
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'm' });
    await lm.generate({ ...hello, rolloutId: 'r1', agentId: 'coder' });
    expect(Object.keys(requests[0]?.body ?? {}).sort()).toEqual(['messages', 'model', 'stream']);
  });

  it('asks for JSON mode, or for a JSON Schema when the server takes structured output', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 200, completion('{"answer":"5"}')),
    );
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const plain = createOpenAICompatibleLanguageModel({ baseURL, model: 'm' });
    const structured = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      capabilities: { structuredOutput: true },
      maxTokensParameter: 'max_completion_tokens',
    });
    const request = {
      ...hello,
      responseFormat: 'json' as const,
      responseSchema: { name: 'qa', schema },
      maxTokens: 9,
    };
    expect((await plain.generate(request)).text).toBe('{"answer":"5"}');
    await structured.generate(request);
    expect(requests[0]?.body.response_format).toEqual({ type: 'json_object' });
    expect(requests[0]?.body.max_tokens).toBe(9);
    expect(requests[1]?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'qa', schema, strict: false },
    });
    expect(requests[1]?.body.max_completion_tokens).toBe(9);
    expect(structured.capabilities).toEqual({
      jsonMode: true,
      structuredOutput: true,
      toolCalls: true,
      streaming: true,
    });
  });

  it('waits exactly what Retry-After asks on a 429, then succeeds', async () => {
    const { baseURL, requests } = await serve(
      (_, res) => sendJson(res, 429, { error: { message: 'slow down' } }, { 'retry-after': '2' }),
      (_, res) => sendJson(res, 200, completion('done')),
    );
    const clock = createManualClock();
    const events = retries();
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      clock,
      onRetry: events.onRetry,
    });
    const reply = lm.generate(hello);
    const event = await events.next();
    expect(event).toMatchObject({ retry: 1, delayMs: 2000 });
    expect(event.error.code).toBe('LM_RATE_LIMITED');
    expect(event.error.status).toBe(429);
    expect(event.error.message).toContain('slow down');
    expect(requests).toHaveLength(1);
    clock.advance(1999);
    expect(requests).toHaveLength(1);
    clock.advance(1);
    expect((await reply).text).toBe('done');
    expect(requests).toHaveLength(2);
  });

  it('retries a 500 after a jittered exponential backoff, then succeeds', async () => {
    const { baseURL } = await serve(
      (_, res) => sendJson(res, 500, { error: { message: 'boom' } }),
      (_, res) => sendJson(res, 503, { error: 'still down' }),
      (_, res) => sendJson(res, 200, completion('recovered')),
    );
    const clock = createManualClock();
    const events = retries();
    const retry = { initialDelayMs: 100, factor: 3, jitter: 0.5 };
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      clock,
      random: createRandom(5),
      retry,
      onRetry: events.onRetry,
    });
    const reply = lm.generate(hello);
    const expected = createRandom(5);
    const first = await events.next();
    expect(first.delayMs).toBe(backoffDelay(retry, 1, expected));
    expect(first.delayMs).toBeGreaterThanOrEqual(50);
    expect(first.delayMs).toBeLessThanOrEqual(100);
    expect(first.error).toMatchObject({ code: 'LM_HTTP_ERROR', status: 500 });
    const second = events.next();
    clock.advance(first.delayMs);
    const event = await second;
    expect(event.delayMs).toBe(backoffDelay(retry, 2, expected));
    expect(event.delayMs).toBeGreaterThanOrEqual(150);
    expect(event.error.message).toContain('still down');
    clock.advance(event.delayMs);
    expect((await reply).text).toBe('recovered');
  });

  it('gives up after maxRetries with the last error and the attempt count', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 429, { error: { message: 'quota' } }, { 'retry-after-ms': '10' }),
    );
    const clock = createManualClock();
    const events = retries();
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      clock,
      retry: { maxRetries: 1 },
      onRetry: events.onRetry,
    });
    const reply = failure(lm.generate(hello));
    expect((await events.next()).delayMs).toBe(10);
    clock.advance(10);
    const error = await reply;
    expect(error).toMatchObject({
      code: 'LM_RATE_LIMITED',
      attempts: 2,
      retryAfterMs: 10,
      status: 429,
    });
    expect(requests).toHaveLength(2);
  });

  it('fails at once when Retry-After is longer than it is willing to wait', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 429, { error: { message: 'daily quota' } }, { 'retry-after': '3600' }),
    );
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      clock: createManualClock(),
    });
    const error = await failure(lm.generate(hello));
    expect(error).toMatchObject({ code: 'LM_RATE_LIMITED', retryAfterMs: 3_600_000, attempts: 1 });
    expect(requests).toHaveLength(1);
  });

  it('does not retry a 400 and names the server message', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 400, { error: { message: "Unknown parameter: 'foo'" } }),
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'm', apiKey: 'sk-secret' });
    const error = await failure(lm.generate(hello));
    expect(error).toMatchObject({
      code: 'LM_HTTP_ERROR',
      status: 400,
      retryable: false,
      attempts: 1,
    });
    expect(error.message).toBe("openai-compatible m: HTTP 400: Unknown parameter: 'foo'");
    expect(error.message).not.toContain('sk-secret');
    expect(requests).toHaveLength(1);
  });

  it('reports a body that is not JSON as LM_INVALID_RESPONSE', async () => {
    const { baseURL } = await serve((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"choices": [');
    });
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'm' });
    const error = await failure(lm.generate(hello));
    expect(error.code).toBe('LM_INVALID_RESPONSE');
    expect(error.message).toContain('{\\"choices\\": [');
  });

  it('reports JSON that is not a chat completion as LM_INVALID_RESPONSE', async () => {
    const { baseURL } = await serve((_, res) => sendJson(res, 200, { choices: [] }));
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'm' });
    const error = await failure(lm.generate(hello));
    expect(error.code).toBe('LM_INVALID_RESPONSE');
    expect(error.message).toContain('choices');
  });

  it('times out an attempt that gets no answer, on the injected clock', async () => {
    const chat = await serve(() => {
      // Never answers.
    });
    const clock: ManualClock = createManualClock();
    const lm = createOpenAICompatibleLanguageModel({
      baseURL: chat.baseURL,
      model: 'm',
      clock,
      timeoutMs: 5000,
      retry: { maxRetries: 0 },
    });
    const reply = failure(lm.generate(hello));
    await chat.nextRequest();
    clock.advance(5000);
    const error = await reply;
    expect(error).toMatchObject({ code: 'LM_TIMEOUT', retryable: true, attempts: 1 });
    expect(error.message).toContain('5000 ms');
  });

  it('retries a timed-out attempt when retries are left', async () => {
    const chat = await serve(
      () => {
        // The first attempt hangs.
      },
      (_, res) => sendJson(res, 200, completion('second time')),
    );
    const clock = createManualClock();
    const events = retries();
    const lm = createOpenAICompatibleLanguageModel({
      baseURL: chat.baseURL,
      model: 'm',
      clock,
      timeoutMs: 1000,
      retry: { initialDelayMs: 10, jitter: 0 },
      onRetry: events.onRetry,
    });
    const reply = lm.generate(hello);
    await chat.nextRequest();
    const retry = events.next();
    clock.advance(1000);
    expect((await retry).error.code).toBe('LM_TIMEOUT');
    clock.advance(10);
    expect((await reply).text).toBe('second time');
  });

  it('rejects promptly with LM_ABORTED when the caller aborts', async () => {
    const chat = await serve(() => {
      // Never answers.
    });
    const lm = createOpenAICompatibleLanguageModel({ baseURL: chat.baseURL, model: 'm' });
    const controller = new AbortController();
    const reply = failure(lm.generate({ ...hello, signal: controller.signal }));
    await chat.nextRequest();
    controller.abort();
    const error = await reply;
    expect(error).toMatchObject({ code: 'LM_ABORTED', retryable: false });
    const before = new AbortController();
    before.abort();
    expect((await failure(lm.generate({ ...hello, signal: before.signal }))).code).toBe(
      'LM_ABORTED',
    );
    expect(chat.requests).toHaveLength(1);
  });

  it('aborts a wait between retries', async () => {
    const { baseURL } = await serve((_, res) => sendJson(res, 503, { error: 'down' }));
    const clock = createManualClock();
    const events = retries();
    const controller = new AbortController();
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      clock,
      onRetry: events.onRetry,
    });
    const reply = failure(lm.generate({ ...hello, signal: controller.signal }));
    await events.next();
    controller.abort();
    expect(await reply).toMatchObject({ code: 'LM_ABORTED', attempts: 1 });
    expect(clock.pending()).toBe(0);
  });

  it('reports an unreachable server as LM_NETWORK_ERROR', async () => {
    const chat = await serve((_, res) => sendJson(res, 200, completion('x')));
    const { baseURL } = chat;
    await chat.close();
    server = undefined;
    const lm = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'm',
      retry: { maxRetries: 0 },
    });
    const error = await failure(lm.generate(hello));
    expect(error).toMatchObject({ code: 'LM_NETWORK_ERROR', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('estimates usage when the server reports none, and maps finish reasons', async () => {
    const { baseURL } = await serve(
      (_, res) =>
        sendJson(res, 200, completion('12345678', { usage: null, finishReason: 'length' })),
      (_, res) => sendJson(res, 200, completion(null, { finishReason: 'content_filter' })),
      (_, res) => sendJson(res, 200, completion('x', { finishReason: 'function_call_v0' })),
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'm' });
    const first = await lm.generate(hello);
    expect(first.finishReason).toBe('length');
    // "Hello" is 2 tokens by characters, plus 4 for the message framing; the reply is 2.
    expect(first.usage).toEqual({
      inputTokens: 6,
      outputTokens: 2,
      totalTokens: 8,
      estimated: true,
    });
    const filtered = await lm.generate(hello);
    expect(filtered).toMatchObject({ text: '', finishReason: 'content-filter' });
    expect((await lm.generate(hello)).finishReason).toBe('other');
  });

  it('validates its options and each request', async () => {
    expect(() => createOpenAICompatibleLanguageModel({ baseURL: 'ftp://x', model: 'm' })).toThrow(
      /baseURL/,
    );
    expect(() =>
      createOpenAICompatibleLanguageModel({ baseURL: 'http://127.0.0.1:1/v1', model: '' }),
    ).toThrow(/model/);
    const lm = createOpenAICompatibleLanguageModel({
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'm',
    });
    const error = await failure(lm.generate({ messages: [], temperature: 3 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('messages');
    expect(error.message).toContain('temperature');
  });
});

describe('languageModelFromEnv', () => {
  it('reads the base URL, model and key from the environment', async () => {
    const { baseURL, requests } = await serve((_, res) => sendJson(res, 200, completion('env')));
    const lm = languageModelFromEnv({
      env: { VARPLANE_LM_BASE_URL: baseURL, VARPLANE_LM_MODEL: 'llama3', VARPLANE_LM_API_KEY: 'k' },
    });
    expect(lm.modelId).toBe('llama3');
    expect((await lm.generate(hello)).text).toBe('env');
    expect(requests[0]?.headers.authorization).toBe('Bearer k');
    expect(requests[0]?.body.model).toBe('llama3');
  });

  it('uses the fallback when no server is configured, and fails without one', () => {
    const fallback = createOpenAICompatibleLanguageModel({
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'fb',
    });
    expect(languageModelFromEnv({ env: {}, fallback: () => fallback })).toBe(fallback);
    expect(() =>
      languageModelFromEnv({ env: { VARPLANE_LM_BASE_URL: 'http://127.0.0.1:1/v1' } }),
    ).toThrow(
      expect.objectContaining({
        code: 'LM_NOT_CONFIGURED',
        message: expect.stringContaining('VARPLANE_LM_MODEL'),
      }),
    );
  });
});
