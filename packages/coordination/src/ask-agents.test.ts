import {
  createManualClock,
  createRandom,
  type StrategyContext,
  VarplaneError,
} from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { askAgent, askAgents } from './ask-agents';
import { createInMemoryAgentPort } from './in-memory-agent-port';

const question = { type: 'bid', item: 'gpu', round: 0 } as const;

function context(agents?: StrategyContext['agents'], signal = new AbortController().signal) {
  const clock = createManualClock();
  const base = { random: createRandom(1), clock, signal };
  return { clock, context: (agents === undefined ? base : { ...base, agents }) as StrategyContext };
}

describe('askAgent', () => {
  it('returns the answer', async () => {
    const { context: ctx } = context(createInMemoryAgentPort({ a: () => 3 }));
    await expect(askAgent(ctx, 'a', question, 100)).resolves.toEqual({ ok: true, answer: 3 });
  });

  it('gives up at the timeout on the context clock', async () => {
    const { clock, context: ctx } = context(
      createInMemoryAgentPort({ a: () => new Promise(() => {}) }),
    );
    const run = askAgent(ctx, 'a', question, 100);
    clock.advance(100);
    await expect(run).resolves.toEqual({ ok: false, reason: 'timeout' });
  });

  it('reports failures, a port timeout as a timeout, and a missing port', async () => {
    const timeout = new VarplaneError({ code: 'CALL_TIMEOUT', message: 'slow' });
    const { context: ctx } = context(
      createInMemoryAgentPort({
        thrower: () => {
          throw new Error('down');
        },
        slow: () => Promise.reject(timeout),
      }),
    );
    await expect(askAgent(ctx, 'thrower', question, 100)).resolves.toMatchObject({
      ok: false,
      reason: 'error',
    });
    await expect(askAgent(ctx, 'slow', question, 100)).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      error: timeout,
    });
    await expect(askAgent(ctx, 'nobody', question, 100)).resolves.toMatchObject({
      ok: false,
      reason: 'error',
    });
    await expect(askAgent(context().context, 'a', question, 100)).resolves.toEqual({
      ok: false,
      reason: 'unavailable',
    });
  });

  it('stops waiting when the strategy is told to stop', async () => {
    const controller = new AbortController();
    const { clock, context: ctx } = context(
      createInMemoryAgentPort({ a: () => new Promise(() => {}) }),
      controller.signal,
    );
    const run = askAgent(ctx, 'a', question, 100);
    controller.abort();
    await expect(run).resolves.toMatchObject({ ok: false, reason: 'aborted' });
    expect(clock.pending()).toBe(0);
  });
});

describe('askAgents', () => {
  it('asks everyone at once and keeps their order', async () => {
    const port = createInMemoryAgentPort({ a: () => 1, b: () => 2 });
    const { context: ctx } = context(port);
    const outcomes = await askAgents(
      ctx,
      ['b', 'a'],
      (agent) => ({ ...question, item: agent }),
      100,
    );
    expect(outcomes).toEqual([
      { ok: true, answer: 2 },
      { ok: true, answer: 1 },
    ]);
    expect(port.asked.map((q) => q.question)).toEqual([
      { type: 'bid', item: 'b', round: 0 },
      { type: 'bid', item: 'a', round: 0 },
    ]);
  });
});

describe('askAgents at scale', () => {
  it('asks 20,000 agents with one abort listener, and the abort finishes every ask still waiting', async () => {
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners += 1;
      add(...args);
    }) as typeof add;
    const handlers = Object.fromEntries(
      Array.from({ length: 20_000 }, (_, i) => [
        `agent-${i}`,
        i % 2 === 0 ? () => i : () => new Promise(() => {}),
      ]),
    );
    const { clock, context: ctx } = context(createInMemoryAgentPort(handlers), controller.signal);
    const run = askAgents(ctx, Object.keys(handlers), () => question, 1_000);
    await new Promise((resolve) => setTimeout(resolve, 0));
    controller.abort('enough');
    const outcomes = await run;
    expect(listeners).toBe(1);
    expect(outcomes).toHaveLength(20_000);
    expect(outcomes[0]).toEqual({ ok: true, answer: 0 });
    expect(outcomes[1]).toEqual({ ok: false, reason: 'aborted', error: 'enough' });
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10_000);
    expect(clock.pending()).toBe(0);
  });

  it('a question that throws is an error outcome, not a throw', async () => {
    const { context: ctx } = context(createInMemoryAgentPort({ a: () => 1, b: () => 2 }));
    const outcomes = await askAgents(
      ctx,
      ['a', 'b'],
      (agent) => {
        if (agent === 'b') throw new Error('no question');
        return question;
      },
      100,
    );
    expect(outcomes[0]).toEqual({ ok: true, answer: 1 });
    expect(outcomes[1]).toMatchObject({ ok: false, reason: 'error' });
  });
});
