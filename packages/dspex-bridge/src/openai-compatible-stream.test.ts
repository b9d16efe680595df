import type { ServerResponse } from 'node:http';
import type { LanguageModelStreamPart } from '@varplane/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatServer,
  completion,
  type Responder,
  sendJson,
  startChatServer,
} from '../test/chat-completions-server';
import type { LanguageModelError } from './errors';
import { createOpenAICompatibleLanguageModel } from './openai-compatible';

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(...responders: Responder[]): Promise<ChatServer> {
  server = await startChatServer(responders);
  return server;
}

function sse(response: ServerResponse, events: readonly unknown[], done = true): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) response.write(`data: ${JSON.stringify(event)}\n\n`);
  if (done) response.end('data: [DONE]\n\n');
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  model: 'test-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

async function collect(parts: AsyncIterable<LanguageModelStreamPart>) {
  const out: LanguageModelStreamPart[] = [];
  for await (const part of parts) out.push(part);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<LanguageModelError> {
  try {
    await promise;
  } catch (error) {
    return error as LanguageModelError;
  }
  throw new Error('expected a rejection');
}

const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('createOpenAICompatibleLanguageModel: streaming and tool calls', () => {
  it('streams text deltas, assembles tool calls from their deltas, and ends with usage', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sse(res, [
        chunk({ role: 'assistant', content: 'Let me ' }),
        chunk({ content: 'check.' }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"ci' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: 'ty":"Oslo"}' } }] }, 'tool_calls'),
        {
          id: 'c',
          object: 'chat.completion.chunk',
          choices: [],
          usage: { prompt_tokens: 20, completion_tokens: 9, total_tokens: 29 },
        },
      ]),
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const parts = await collect(
      lm.stream!({ messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [weather] }),
    );
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Let me ' },
      { type: 'text-delta', text: 'check.' },
      {
        type: 'tool-call',
        toolCall: { id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      },
      {
        type: 'finish',
        response: {
          text: 'Let me check.',
          finishReason: 'tool-calls',
          usage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 },
          modelId: 'test-model',
          toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
        },
      },
    ]);
    expect(requests[0]?.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: weather }],
    });
    expect(requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('marks usage as estimated when the stream reports none', async () => {
    const { baseURL } = await serve((_, res) => sse(res, [chunk({ content: 'abcdefgh' }, 'stop')]));
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const parts = await collect(lm.stream!({ messages: [{ role: 'user', content: 'x' }] }));
    const last = parts.at(-1);
    expect(last?.type === 'finish' && last.response.usage).toEqual({
      inputTokens: 5,
      outputTokens: 2,
      totalTokens: 7,
      estimated: true,
    });
  });

  it('sends tools, tool choice and the tool turn, and reads tool calls from a completion', async () => {
    const { baseURL, requests } = await serve((_, res) =>
      sendJson(res, 200, {
        ...completion(null, { finishReason: 'tool_calls' }),
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 'call_9',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Rome"}' },
                },
              ],
            },
            finish_reason: 'tool_calls',
          },
        ],
      }),
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const reply = await lm.generate({
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'call_8', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
        },
        { role: 'tool', toolCallId: 'call_8', content: '{"celsius":3}' },
      ],
      tools: [weather],
      toolChoice: { name: 'get_weather' },
    });
    expect(reply.finishReason).toBe('tool-calls');
    expect(reply.toolCalls).toEqual([
      { id: 'call_9', name: 'get_weather', arguments: '{"city":"Rome"}' },
    ]);
    expect(requests[0]?.body.messages).toEqual([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_8',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_8', content: '{"celsius":3}' },
    ]);
    expect(requests[0]?.body.tool_choice).toEqual({
      type: 'function',
      function: { name: 'get_weather' },
    });
  });

  it('refuses a tool message without the call it answers', async () => {
    const lm = createOpenAICompatibleLanguageModel({
      baseURL: 'http://127.0.0.1:9/v1',
      model: 'm',
    });
    await expect(
      lm.generate({ messages: [{ role: 'tool', content: 'x' } as never] }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('messages.0.toolCallId'),
    });
  });

  it('cancels the HTTP request when the signal fires mid-stream or the loop stops early', async () => {
    const closed: string[] = [];
    const { baseURL } = await serve((request, res) => {
      res.on('close', () =>
        closed.push(String((request.body.messages as { content: string }[])[0]?.content)),
      );
      sse(res, [chunk({ content: 'one ' }), chunk({ content: 'two ' })], false);
    });
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const controller = new AbortController();
    const seen: string[] = [];
    const failure = await rejection(
      (async () => {
        for await (const part of lm.stream!({
          messages: [{ role: 'user', content: 'signal' }],
          signal: controller.signal,
        })) {
          if (part.type === 'text-delta') seen.push(part.text);
          if (seen.length === 2) controller.abort(new Error('user left'));
        }
      })(),
    );
    expect(seen).toEqual(['one ', 'two ']);
    expect(failure.code).toBe('LM_ABORTED');
    for await (const _ of lm.stream!({ messages: [{ role: 'user', content: 'break' }] })) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed.sort()).toEqual(['break', 'signal']);
  });

  it('reports an error event in the stream as LM_HTTP_ERROR', async () => {
    const { baseURL } = await serve((_, res) => sse(res, [{ error: { message: 'overloaded' } }]));
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const failure = await rejection(
      collect(lm.stream!({ messages: [{ role: 'user', content: 'x' }] })),
    );
    expect(failure).toMatchObject({
      code: 'LM_HTTP_ERROR',
      message: expect.stringContaining('overloaded'),
    });
  });

  it('warns that a schema went out as plain JSON mode when the server takes no structured output', async () => {
    const { baseURL } = await serve((_, res) => sendJson(res, 200, completion('{}')));
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const reply = await lm.generate({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: 'json',
      responseSchema: { name: 'answer', schema: { type: 'object' } },
    });
    expect(reply.warnings).toEqual([
      expect.stringContaining('responseSchema: this server is not set up for structured output'),
    ]);
  });
});

describe('createOpenAICompatibleLanguageModel: secrets and sizes', () => {
  const key = 'sk-live-0123456789abcdef';

  it('never puts the API key or a Bearer credential in an error message or cause', async () => {
    const { baseURL } = await serve(
      (request, res) =>
        sendJson(res, 401, { error: { message: `bad key ${request.headers.authorization}` } }),
      (request, res) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`upstream said: Bearer other-token-xyz; key=${key}`);
      },
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model', apiKey: key });
    const first = await rejection(lm.generate({ messages: [{ role: 'user', content: 'x' }] }));
    const second = await rejection(lm.generate({ messages: [{ role: 'user', content: 'x' }] }));
    for (const failure of [first, second]) {
      const everything = `${failure.message} ${JSON.stringify(failure)} ${String(failure.cause)} ${failure.stack}`;
      expect(everything).not.toContain(key);
      expect(everything).not.toContain('other-token-xyz');
    }
    expect(first.message).toContain('bad key Bearer [redacted]');
    expect(second.message).toContain('key=[redacted]');
  });

  it('redacts the key from network failures too', async () => {
    const lm = createOpenAICompatibleLanguageModel({
      baseURL: 'http://127.0.0.1:1/v1',
      model: 'test-model',
      apiKey: key,
      headers: { 'x-debug': key },
    });
    const failure = await rejection(lm.generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(failure.code).toBe('LM_NETWORK_ERROR');
    expect(`${failure.message} ${String(failure.cause)}`).not.toContain(key);
  });

  it('refuses a body past maxResponseBytes with LM_RESPONSE_TOO_LARGE, streamed or not', async () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const { baseURL } = await serve(
      (_, res) => {
        // No content-length: the cap must hold while reading, not only from the header.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"choices":[{"message":{"content":"');
        res.end(`${big}"}}]}`);
      },
      (_, res) =>
        sse(res, [
          chunk({ content: 'y'.repeat(600_000) }),
          chunk({ content: 'y'.repeat(600_000) }),
        ]),
    );
    const lm = createOpenAICompatibleLanguageModel({ baseURL, model: 'test-model' });
    const whole = await rejection(lm.generate({ messages: [{ role: 'user', content: 'x' }] }));
    expect(whole).toMatchObject({
      code: 'LM_RESPONSE_TOO_LARGE',
      message: expect.stringContaining('8388608'),
    });
    const small = createOpenAICompatibleLanguageModel({
      baseURL,
      model: 'test-model',
      maxResponseBytes: 1_000_000,
    });
    const streamed = await rejection(
      collect(small.stream!({ messages: [{ role: 'user', content: 'x' }] })),
    );
    expect(streamed.code).toBe('LM_RESPONSE_TOO_LARGE');
  });
});
