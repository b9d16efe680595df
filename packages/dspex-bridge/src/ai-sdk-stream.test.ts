import type { ServerResponse } from 'node:http';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelStreamPart } from '@varplane/core';
import { generateText, jsonSchema, tool } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChatServer,
  completion,
  type Responder,
  sendJson,
  startChatServer,
} from '../test/chat-completions-server';
import { type AiSdkLanguageModel, createAiSdkLanguageModel } from './ai-sdk';
import type { LanguageModelError } from './errors';

let server: ChatServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function provider(options: { structured?: boolean }, ...responders: Responder[]) {
  server = await startChatServer(responders);
  const local = createOpenAICompatible({
    name: 'local',
    baseURL: server.baseURL,
    apiKey: 'k',
    supportsStructuredOutputs: options.structured ?? false,
  });
  return { model: local.chatModel('small'), chat: server };
}

function sse(response: ServerResponse, events: readonly unknown[]): void {
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) response.write(`data: ${JSON.stringify(event)}\n\n`);
  response.end('data: [DONE]\n\n');
}

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'small-2026',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

const toolCallBody = {
  ...completion(null),
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
};

const add = {
  name: 'add',
  description: 'Adds two numbers',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  },
};

async function rejection(promise: Promise<unknown>): Promise<LanguageModelError> {
  try {
    await promise;
  } catch (error) {
    return error as LanguageModelError;
  }
  throw new Error('expected a rejection');
}

describe('createAiSdkLanguageModel: tool calls, streaming, warnings, garbage', () => {
  it('returns the tool call that ai.generateText returns on the same server', async () => {
    const { model, chat } = await provider({}, (_, res) => sendJson(res, 200, toolCallBody));
    const lm = createAiSdkLanguageModel({ model });
    const reply = await lm.generate({
      messages: [{ role: 'user', content: '2+3?' }],
      tools: [add],
    });
    const sdk = await generateText({
      model,
      prompt: '2+3?',
      tools: {
        add: tool({ description: add.description, inputSchema: jsonSchema(add.parameters) }),
      },
    });
    expect(reply.finishReason).toBe('tool-calls');
    expect(reply.toolCalls).toEqual([{ id: 'call_1', name: 'add', arguments: '{"a":2,"b":3}' }]);
    expect(sdk.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input])).toEqual([
      ['call_1', 'add', { a: 2, b: 3 }],
    ]);
    expect(chat.requests[0]?.body.tools).toEqual(chat.requests[1]?.body.tools);
  });

  it('streams text and tool calls through doStream, with usage at the end', async () => {
    const { model } = await provider({}, (_, res) =>
      sse(res, [
        chunk({ role: 'assistant', content: 'Adding' }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_7',
              type: 'function',
              function: { name: 'add', arguments: '{"a":1,' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"b":2}' } }] }, 'tool_calls'),
        {
          ...chunk({}),
          choices: [],
          usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
        },
      ]),
    );
    const lm = createAiSdkLanguageModel({ model });
    expect(lm.capabilities?.streaming).toBe(true);
    const parts: LanguageModelStreamPart[] = [];
    for await (const part of lm.stream!({
      messages: [{ role: 'user', content: '1+2' }],
      tools: [add],
    })) {
      parts.push(part);
    }
    expect(parts.map((p) => p.type)).toEqual(['text-delta', 'tool-call', 'finish']);
    const finish = parts.at(-1);
    expect(finish?.type === 'finish' && finish.response).toMatchObject({
      text: 'Adding',
      finishReason: 'tool-calls',
      usage: { inputTokens: 12, outputTokens: 5, totalTokens: 17 },
      toolCalls: [{ id: 'call_7', name: 'add', arguments: '{"a":1,"b":2}' }],
    });
  });

  it("surfaces the provider's warning when it downgrades a JSON Schema to JSON mode", async () => {
    const { model, chat } = await provider({ structured: false }, (_, res) =>
      sendJson(res, 200, completion('{"x":1}')),
    );
    const lm = createAiSdkLanguageModel({ model });
    const reply = await lm.generate({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: 'json',
      responseSchema: { name: 'answer', schema: { type: 'object' } },
    });
    expect(chat.requests[0]?.body.response_format).toEqual({ type: 'json_object' });
    expect(reply.warnings?.length).toBe(1);
    expect(reply.warnings?.[0]).toMatch(/responseFormat/);
  });

  it('calls a 200 that is not a completion LM_INVALID_RESPONSE, as the HTTP adapter does', async () => {
    const { model } = await provider({}, (_, res) => sendJson(res, 200, { hello: 'world' }));
    const failure = await rejection(
      createAiSdkLanguageModel({ model }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(failure.code).toBe('LM_INVALID_RESPONSE');
  });

  it('contains a doGenerate that resolves to null, {} or a string, or throws a string', async () => {
    const fake = (doGenerate: () => unknown): AiSdkLanguageModel => ({
      specificationVersion: 'v3',
      provider: 'fake',
      modelId: 'f',
      doGenerate: doGenerate as AiSdkLanguageModel['doGenerate'],
    });
    for (const doGenerate of [async () => null, async () => ({}), async () => 'text']) {
      const failure = await rejection(
        createAiSdkLanguageModel({ model: fake(doGenerate) }).generate({
          messages: [{ role: 'user', content: 'x' }],
        }),
      );
      expect(failure).toMatchObject({
        code: 'LM_INVALID_RESPONSE',
        message: expect.stringContaining('doGenerate resolved to'),
      });
    }
    const thrown = await rejection(
      createAiSdkLanguageModel({
        model: fake(() => {
          throw 'boom';
        }),
      }).generate({ messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(thrown).toMatchObject({
      code: 'LM_PROVIDER_ERROR',
      message: expect.stringContaining('boom'),
    });
  });
});
