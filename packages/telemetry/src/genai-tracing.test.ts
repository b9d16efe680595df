import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createManualClock, type LanguageModel, type LanguageModelRequest } from '@varplane/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN_AI, instrumentLanguageModel, traceAgentTurn, traceBehaviour } from './genai-tracing';

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});

function setup() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter,
    tracer: provider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
    reader,
  };
}

// A deterministic model: answers after the clock moves, with fixed usage.
function fakeModel(clock: ReturnType<typeof createManualClock>, fail = false): LanguageModel {
  return {
    specificationVersion: 'v1',
    provider: 'simulated',
    modelId: 'sim-1',
    async generate(request: LanguageModelRequest) {
      clock.advance(250);
      if (fail) throw Object.assign(new Error('rate limited'), { code: 'RATE_LIMITED' });
      return {
        text: `echo ${request.messages.length}`,
        finishReason: 'stop',
        usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150, cost: 0.002 },
        modelId: 'sim-1-2026',
      };
    },
  };
}

describe('traceAgentTurn and instrumentLanguageModel', () => {
  it('makes an invoke_agent span with a chat span under it, after the GenAI conventions', async () => {
    const { exporter, tracer, meter, reader } = setup();
    const clock = createManualClock();
    const usage: unknown[] = [];
    const monitor = {
      recordUsage: (agent: string, u: unknown) => usage.push([agent, u]),
      record: (metric: string, value: number) => usage.push([metric, value]),
    };
    const lm = instrumentLanguageModel(fakeModel(clock), { tracer, meter, clock, monitor });
    const text = await traceAgentTurn(
      { agent: 'coder', conversationId: 'task-7', tracer },
      async () => {
        const response = await lm.generate({
          messages: [{ role: 'user', content: 'hi' }],
          temperature: 0.2,
          maxTokens: 64,
        });
        return response.text;
      },
    );
    expect(text).toBe('echo 1');
    const [chat, turn] = exporter.getFinishedSpans();
    expect(turn?.name).toBe('invoke_agent coder');
    expect(turn?.kind).toBe(SpanKind.INTERNAL);
    expect(turn?.attributes).toEqual({
      [GEN_AI.OPERATION_NAME]: 'invoke_agent',
      [GEN_AI.AGENT_NAME]: 'coder',
      [GEN_AI.AGENT_ID]: 'coder',
      [GEN_AI.CONVERSATION_ID]: 'task-7',
      // No provider was given: the turn takes the adapter's.
      [GEN_AI.PROVIDER_NAME]: 'simulated',
    });
    expect(chat?.name).toBe('chat sim-1');
    expect(chat?.kind).toBe(SpanKind.CLIENT);
    expect(chat?.parentSpanContext?.spanId).toBe(turn?.spanContext().spanId);
    expect(chat?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'simulated',
      'gen_ai.request.model': 'sim-1',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.output.type': 'text',
      'gen_ai.response.model': 'sim-1-2026',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
      'gen_ai.agent.name': 'coder',
    });
    // The call is charged to the agent of the active turn.
    expect(usage).toEqual([
      ['lm_latency_ms', 250],
      ['coder', { tokens: 150, cost: 0.002 }],
    ]);

    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    const tokens = all.find((m) => m.descriptor.name === 'gen_ai.client.token.usage');
    expect(tokens?.descriptor.unit).toBe('{token}');
    const byType = Object.fromEntries(
      (tokens?.dataPoints ?? []).map((p) => [
        p.attributes['gen_ai.token.type'],
        (p.value as { sum: number }).sum,
      ]),
    );
    expect(byType).toEqual({ input: 120, output: 30 });
    const duration = all.find((m) => m.descriptor.name === 'gen_ai.client.operation.duration');
    expect(duration?.descriptor.unit).toBe('s');
    expect(duration?.dataPoints[0]?.value).toMatchObject({ sum: 0.25, count: 1 });
  });

  it('marks a failed call and a failed turn with error.type, and passes the error on', async () => {
    const { exporter, tracer, meter } = setup();
    const clock = createManualClock();
    const lm = instrumentLanguageModel(fakeModel(clock, true), { tracer, meter, clock });
    await expect(
      traceAgentTurn({ agent: 'coder', tracer }, () =>
        lm.generate({ messages: [{ role: 'user', content: 'x' }] }),
      ),
    ).rejects.toThrowError('rate limited');
    const [chat, turn] = exporter.getFinishedSpans();
    for (const span of [chat, turn]) {
      expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'rate limited' });
      expect(span?.attributes['error.type']).toBe('RATE_LIMITED');
    }
    expect(chat?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('names the server and the JSON output type, and keeps the model capabilities', async () => {
    const { exporter, tracer, meter } = setup();
    const clock = createManualClock();
    const base = fakeModel(clock);
    const lm = instrumentLanguageModel(
      { ...base, server: { address: '127.0.0.1', port: 8080 }, capabilities: { jsonMode: true } },
      { tracer, meter, clock },
    );
    expect(lm.capabilities).toEqual({ jsonMode: true });
    expect(lm.server).toEqual({ address: '127.0.0.1', port: 8080 });
    await lm.generate({ messages: [{ role: 'user', content: 'x' }], responseFormat: 'json' });
    const [chat] = exporter.getFinishedSpans();
    expect(chat?.attributes).toMatchObject({
      'gen_ai.output.type': 'json',
      'server.address': '127.0.0.1',
      'server.port': 8080,
    });
  });

  it('traces a stream as one chat span that ends with the finish part, or when cancelled', async () => {
    const { exporter, tracer, meter } = setup();
    const clock = createManualClock();
    const usage: unknown[] = [];
    const monitor = {
      recordUsage: (agent: string, u: unknown) => usage.push([agent, u]),
      record: () => {},
    };
    const streaming: LanguageModel = {
      ...fakeModel(clock),
      async *stream() {
        yield { type: 'text-delta', text: 'he' };
        yield { type: 'text-delta', text: 'llo' };
        yield {
          type: 'finish',
          response: {
            text: 'hello',
            finishReason: 'stop',
            usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
            modelId: 'sim-1',
          },
        };
      },
    };
    const lm = instrumentLanguageModel(streaming, { tracer, meter, clock, monitor });
    const parts: string[] = [];
    for await (const part of lm.stream!({
      messages: [{ role: 'user', content: 'x' }],
      agentId: 'w',
    })) {
      parts.push(part.type);
    }
    expect(parts).toEqual(['text-delta', 'text-delta', 'finish']);
    for await (const _ of lm.stream!({ messages: [{ role: 'user', content: 'y' }] })) break;
    const [done, cancelled] = exporter.getFinishedSpans();
    expect(done?.attributes['gen_ai.usage.output_tokens']).toBe(2);
    expect(done?.status.code).toBe(SpanStatusCode.UNSET);
    expect(cancelled?.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(usage).toEqual([['w', { tokens: 7 }]]);
  });

  it('traces a sync turn and returns its value', () => {
    const { exporter, tracer } = setup();
    expect(traceAgentTurn({ agent: 'planner', tracer }, () => 42)).toBe(42);
    expect(() =>
      traceAgentTurn({ agent: 'planner', tracer }, () => {
        throw new TypeError('bad plan');
      }),
    ).toThrowError('bad plan');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.status.code, s.attributes['error.type']])).toEqual([
      ['invoke_agent planner', SpanStatusCode.UNSET, undefined],
      ['invoke_agent planner', SpanStatusCode.ERROR, 'TypeError'],
    ]);
  });

  it('wraps a behaviour so each handle is a turn named after the agent', async () => {
    const { exporter, tracer } = setup();
    const counter = {
      name: 'counter',
      handle(message: { n: number; task: string }, state: number, _ctx: { self: { id: string } }) {
        return state + message.n;
      },
    };
    const traced = traceBehaviour(counter, { tracer, conversationId: (m) => m.task });
    expect(traced.name).toBe('counter');
    expect(traced.handle({ n: 2, task: 't1' }, 40, { self: { id: 'counter-3' } })).toBe(42);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('invoke_agent counter-3');
    expect(span?.attributes).toMatchObject({
      'gen_ai.conversation.id': 't1',
      'varplane.behaviour': 'counter',
    });
  });

  it('costs nothing observable without an SDK: spans are non-recording', () => {
    let recording: boolean | undefined;
    traceAgentTurn({ agent: 'a' }, (span) => {
      recording = span.isRecording();
    });
    expect(recording).toBe(false);
  });
});
