import { createManualClock, type LanguageModel } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { instrumentLanguageModel, traceAgentTurn } from './genai-tracing';

// No OpenTelemetry SDK and no context manager in this file: the documented no-op case.
describe('instrumentLanguageModel without an OpenTelemetry SDK', () => {
  it("charges usage to the request's agent: accounting never depends on tracing", async () => {
    const model: LanguageModel = {
      specificationVersion: 'v1',
      provider: 'simulated',
      modelId: 'sim',
      generate: async () => ({
        text: 'ok',
        finishReason: 'stop',
        usage: { inputTokens: 10, outputTokens: 4, totalTokens: 14, cost: 0.5 },
        modelId: 'sim',
      }),
    };
    const charged: [string, unknown][] = [];
    const lm = instrumentLanguageModel(model, {
      clock: createManualClock(),
      monitor: { recordUsage: (agent, usage) => charged.push([agent, usage]), record: () => {} },
    });
    await traceAgentTurn({ agent: 'coder' }, () =>
      lm.generate({ messages: [{ role: 'user', content: 'hi' }], agentId: 'coder' }),
    );
    await lm.generate({ messages: [{ role: 'user', content: 'hi' }], agentId: 'reviewer' });
    expect(charged).toEqual([
      ['coder', { tokens: 14, cost: 0.5 }],
      ['reviewer', { tokens: 14, cost: 0.5 }],
    ]);
  });
});
