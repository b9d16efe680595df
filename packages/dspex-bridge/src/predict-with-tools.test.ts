import {
  createManualClock,
  type LanguageModel,
  type LanguageModelRequest,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { predictWithTools, type ToolDefinition } from './predict-with-tools';
import { createSimulatedLanguageModel, type SimulatedTask } from './simulated-language-model';
import { createTraceCollector } from './trace';

const cityParameters = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

// Asks for the weather once per city it has no result for yet, then answers.
const weatherTask: SimulatedTask = {
  type: 'weather',
  solve: ({ city }) => ({ forecast: `sunny in ${String(city)}` }),
  callTools: ({ city }, { results }) =>
    results.length === 0 ? [{ name: 'get_weather', arguments: { city: String(city) } }] : [],
};

// Sure of itself, so the tests read the loop and not the response model's draws.
const responseModel = { all: { baseAccuracy: 0.98, minAccuracy: 0.98, maxAccuracy: 0.99 } };

function simulated(task: SimulatedTask = weatherTask) {
  const requests: LanguageModelRequest[] = [];
  const model = createSimulatedLanguageModel({ seed: 3, tasks: [task], responseModel });
  const lm: LanguageModel = {
    ...model,
    generate(request) {
      requests.push(request);
      return model.generate(request);
    },
  };
  return { lm, requests };
}

async function rejectionOf(promise: Promise<unknown>): Promise<VarplaneError> {
  try {
    await promise;
  } catch (error) {
    expect(VarplaneError.isInstance(error)).toBe(true);
    return error as VarplaneError;
  }
  throw new Error('expected a rejection');
}

describe('predictWithTools', () => {
  it('runs an async tool the model calls, feeds its result back, and traces every step', async () => {
    const { lm, requests } = simulated();
    const seen: unknown[] = [];
    const get_weather: ToolDefinition = {
      description: 'The weather in a city now',
      parameters: cityParameters,
      handler: async (args, context) => {
        seen.push({ args, callId: context.callId, agentId: context.agentId });
        await new Promise((resolve) => setImmediate(resolve));
        return { city: (args as { city: string }).city, sky: 'clear' };
      },
    };
    const traces = createTraceCollector();
    const forecaster = predictWithTools('city -> forecast', {
      lm,
      temperature: 0.3,
      tools: { get_weather },
    });
    const outputs = await forecaster.call({ city: 'Paris' }, { trace: traces, agentId: 'a1' });
    expect(outputs).toEqual({ forecast: 'sunny in Paris' });
    expect(requests).toHaveLength(2);
    expect(requests[0]?.tools).toEqual([
      { name: 'get_weather', description: 'The weather in a city now', parameters: cityParameters },
    ]);
    const call = requests[1]?.messages.at(-2)?.toolCalls?.[0];
    expect(call?.name).toBe('get_weather');
    expect(JSON.parse(call?.arguments ?? '')).toEqual({ city: 'Paris' });
    expect(requests[1]?.messages.at(-1)).toEqual({
      role: 'tool',
      toolCallId: call?.id,
      content: '{"city":"Paris","sky":"clear"}',
    });
    expect(seen).toEqual([{ args: { city: 'Paris' }, callId: call?.id, agentId: 'a1' }]);

    const [first, second] = traces.traces();
    expect(traces.traces()).toHaveLength(2);
    expect(first?.step).toBe(1);
    expect(first?.output).toBeUndefined();
    expect(first?.toolCalls).toEqual([
      {
        id: call?.id,
        name: 'get_weather',
        arguments: call?.arguments,
        content: '{"city":"Paris","sky":"clear"}',
      },
    ]);
    expect(first?.usage?.totalTokens).toBeGreaterThan(0);
    expect(second?.step).toBe(2);
    expect(second?.output).toEqual({ forecast: 'sunny in Paris' });
    expect(second?.toolCalls).toBeUndefined();
  });

  it('tells the model about a tool that throws, an unknown tool and arguments that are not JSON', async () => {
    const calls: LanguageModelRequest[] = [];
    // A scripted model: three bad calls at once, then an answer.
    const lm: LanguageModel = {
      specificationVersion: 'v1',
      provider: 'scripted',
      modelId: 'm',
      async generate(request) {
        calls.push(request);
        const usage = { inputTokens: 1, outputTokens: 1, totalTokens: 2 };
        if (calls.length === 1) {
          return {
            text: '',
            finishReason: 'tool-calls',
            usage,
            modelId: 'm',
            toolCalls: [
              { id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' },
              { id: 'c2', name: 'launch_rocket', arguments: '{}' },
              { id: 'c3', name: 'get_weather', arguments: '{city: Oslo' },
            ],
          };
        }
        return { text: '{"forecast":"unknown"}', finishReason: 'stop', usage, modelId: 'm' };
      },
    };
    const traces = createTraceCollector();
    const outputs = await predictWithTools('city -> forecast', {
      lm,
      tools: {
        get_weather: {
          parameters: cityParameters,
          handler: () => {
            throw new Error('the weather service is down');
          },
        },
      },
    }).call({ city: 'Oslo' }, { trace: traces });
    expect(outputs).toEqual({ forecast: 'unknown' });
    const results = calls[1]?.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    expect(results).toEqual([
      'Error (CALLBACK_FAILED): tool_loop: tool get_weather threw: Error: the weather service is down',
      'Error (TOOL_UNKNOWN): there is no tool "launch_rocket"; tools: get_weather',
      'Error (TOOL_ARGUMENTS_INVALID): the arguments are not JSON: {city: Oslo',
    ]);
    expect(traces.traces()[0]?.toolCalls?.map((c) => c.error?.code)).toEqual([
      'CALLBACK_FAILED',
      'TOOL_UNKNOWN',
      'TOOL_ARGUMENTS_INVALID',
    ]);
  });

  it('ends a tool that hangs at its deadline, aborts its signal, and lets the model go on', async () => {
    const clock = createManualClock();
    const { lm } = simulated();
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let signal: AbortSignal | undefined;
    const traces = createTraceCollector();
    const pending = predictWithTools('city -> forecast', {
      lm,
      clock,
      temperature: 0.3,
      toolTimeoutMs: 250,
      tools: {
        get_weather: {
          parameters: cityParameters,
          handler: (_args, context) => {
            signal = context.signal;
            started();
            return new Promise(() => {});
          },
        },
      },
    }).call({ city: 'Rome' }, { trace: traces });
    await running;
    clock.advance(249);
    expect(signal?.aborted).toBe(false);
    clock.advance(1);
    expect(await pending).toEqual({ forecast: 'sunny in Rome' });
    expect(signal?.aborted).toBe(true);
    expect(traces.traces()[0]?.toolCalls?.[0]?.content).toBe(
      'Error (CALLBACK_TIMEOUT): tool_loop: tool get_weather did not settle within 250 ms',
    );
  });

  it('stops at maxSteps: the last step may not call tools, and a model that does anyway fails typed', async () => {
    // A task that always wants another tool call: the loop's bound is what ends it.
    const greedy: SimulatedTask = {
      ...weatherTask,
      callTools: ({ city }) => [{ name: 'get_weather', arguments: { city: String(city) } }],
    };
    const { lm, requests } = simulated(greedy);
    let served = 0;
    const tools = {
      get_weather: { parameters: cityParameters, handler: () => `report ${++served}` },
    };
    const outputs = await predictWithTools('city -> forecast', {
      lm,
      temperature: 0.3,
      tools,
      maxSteps: 3,
    }).call({ city: 'Lima' });
    expect(outputs).toEqual({ forecast: 'sunny in Lima' });
    expect(served).toBe(2);
    expect(requests.map((r) => r.toolChoice)).toEqual(['auto', 'auto', 'none']);

    const stubborn: LanguageModel = {
      specificationVersion: 'v1',
      provider: 'stubborn',
      modelId: 'm',
      generate: async () => ({
        text: '',
        finishReason: 'tool-calls',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        modelId: 'm',
        toolCalls: [{ id: 'x', name: 'get_weather', arguments: '{"city":"Lima"}' }],
      }),
    };
    const traces = createTraceCollector();
    const failure = await rejectionOf(
      predictWithTools('city -> forecast', { lm: stubborn, tools, maxSteps: 2 }).call(
        { city: 'Lima' },
        { trace: traces },
      ),
    );
    expect(failure.code).toBe('TOOL_STEPS_EXHAUSTED');
    expect(failure.message).toBe(
      'tool_loop: the model still called tools (get_weather) at step 2, the last of maxSteps 2',
    );
    expect(traces.traces().map((t) => t.error?.code)).toEqual([undefined, 'TOOL_STEPS_EXHAUSTED']);
  });

  it('does not starve the event loop with a zero-latency model and instant tools', async () => {
    // Fifteen tool steps per call, eight calls at once: all of it answers at once.
    const chatty: SimulatedTask = {
      ...weatherTask,
      callTools: ({ city }, { results }) =>
        results.length < 15 ? [{ name: 'get_weather', arguments: { city: String(city) } }] : [],
    };
    const { lm } = simulated(chatty);
    const forecaster = predictWithTools('city -> forecast', {
      lm,
      temperature: 0.3,
      maxSteps: 20,
      tools: { get_weather: { parameters: cityParameters, handler: () => 'ok' } },
    });
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => forecaster.call({ city: `c${i}` })),
    );
    done = true;
    expect(all[7]).toEqual({ forecast: 'sunny in c7' });
    expect(ticks).toBeGreaterThanOrEqual(15);
  });

  it('refuses bad tools and bounds with typed errors naming the field', () => {
    const lm = simulated().lm;
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return `${(error as VarplaneError).code} ${(error as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => predictWithTools('a -> b', { lm, tools: {} }))).toMatch(
      /INVALID_ARGUMENT predictWithTools: tools: must hold at least one tool/,
    );
    expect(
      code(() =>
        predictWithTools('a -> b', {
          lm,
          tools: { 'bad name': { parameters: {}, handler: () => 1 } },
        }),
      ),
    ).toMatch(/tools\.bad name\.name: must be 1-64 letters/);
    expect(
      code(() => predictWithTools('a -> b', { lm, tools: { t: { parameters: {} } as never } })),
    ).toMatch(/tools\.t\.handler: must be a function/);
    expect(
      code(() =>
        predictWithTools('a -> b', {
          lm,
          maxSteps: 0,
          tools: { t: { parameters: {}, handler: () => 1 } },
        }),
      ),
    ).toMatch(/maxSteps/);
  });
});
