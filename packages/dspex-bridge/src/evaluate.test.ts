import { createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { arithmeticTask, sums } from '../test/arithmetic-task';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { evaluate, exactMatch } from './evaluate';
import { example } from './example';
import { predict } from './predict';
import { createSimulatedLanguageModel } from './simulated-language-model';
import { createTraceCollector } from './trace';

describe('evaluate', () => {
  it('scores each example and reports failures, usage and throughput', async () => {
    const clock = createManualClock();
    const lm = scriptedLanguageModel([
      (request) => {
        clock.advance(250);
        const question = request.messages.at(-1)?.content ?? '';
        if (question.includes('boom')) return 'garbage';
        return question.includes('two') ? '{"answer":"2"}' : '{"answer":"wrong"}';
      },
    ]);
    const devset = [
      example({ question: 'one plus one is two?' }, { answer: '2' }),
      example({ question: 'three?' }, { answer: '3' }),
      example({ question: 'boom' }, { answer: '0' }),
      example({ question: 'TWO' }, { answer: '2' }),
    ];
    const traces = createTraceCollector();
    const result = await evaluate(
      predict('question -> answer', { lm, parseRetries: 0 }),
      devset,
      exactMatch('answer'),
      {
        concurrency: 2,
        clock,
        trace: traces,
      },
    );
    expect(result.results.map((r) => r.score)).toEqual([1, 0, 0, 0]);
    expect(result.score).toBe(0.25);
    expect(result.results[2]?.error?.code).toBe('OUTPUT_PARSE_FAILED');
    expect(result.results[2]?.prediction).toBeUndefined();
    expect(result.results[0]?.prediction).toEqual({ answer: '2' });
    expect(result.results[1]?.traces.map((t) => t.runId)).toEqual(['eval-1']);
    expect(traces.traces()).toHaveLength(4);
    expect(result.stats).toEqual({
      total: 4,
      successes: 3,
      failures: 1,
      durationMs: 1000,
      throughput: 4,
      usage: { inputTokens: 40, outputTokens: 20, totalTokens: 60, cost: 2 },
    });
  });

  it('runs at most `concurrency` examples at once', async () => {
    let running = 0;
    let peak = 0;
    const releases: (() => void)[] = [];
    const lm = scriptedLanguageModel(['{"answer":"x"}']);
    const slow = {
      ...lm,
      async generate(request: Parameters<typeof lm.generate>[0]) {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        return lm.generate(request);
      },
    };
    const pending = evaluate(predict('question -> answer', { lm: slow }), sums(7), () => true, {
      concurrency: 3,
    });
    while (releases.length > 0 || running > 0) {
      await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    }
    const result = await pending;
    expect(peak).toBe(3);
    expect(result.score).toBe(1);
    expect(result.stats.successes).toBe(7);
  });

  it('counts a metric that throws or returns garbage as a failure', async () => {
    const lm = scriptedLanguageModel(['{"answer":"x"}']);
    const qa = predict('question -> answer', { lm });
    const thrown = await evaluate(qa, sums(1), () => {
      throw new Error('bad metric');
    });
    expect(thrown.results[0]?.error).toEqual({
      code: 'METRIC_FAILED',
      message: 'evaluate: metric threw on example 0: bad metric',
    });
    const garbage = await evaluate(qa, sums(1), () => Number.NaN);
    expect(garbage.results[0]?.error?.code).toBe('METRIC_INVALID');
    expect(garbage.stats.failures).toBe(1);
  });

  it('measures the simulated model near its known accuracy', async () => {
    const lm = createSimulatedLanguageModel({
      seed: 2,
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.8, optimalTemperature: 0 } },
    });
    const result = await evaluate(
      predict('question -> answer', { lm, temperature: 0 }),
      sums(400),
      exactMatch('answer'),
      {
        concurrency: 16,
      },
    );
    expect(Math.abs(result.score - 0.8)).toBeLessThan(4 * Math.sqrt((0.8 * 0.2) / 400));
    const again = await evaluate(
      predict('question -> answer', {
        lm: createSimulatedLanguageModel({
          seed: 2,
          tasks: [arithmeticTask],
          responseModel: { all: { baseAccuracy: 0.8, optimalTemperature: 0 } },
        }),
        temperature: 0,
      }),
      sums(400),
      exactMatch('answer'),
      { concurrency: 3 },
    );
    expect(again.results.map((r) => r.score)).toEqual(result.results.map((r) => r.score));
  });

  it('rejects with EVALUATION_ABORTED when its signal fires', async () => {
    const controller = new AbortController();
    const lm = scriptedLanguageModel([
      () => {
        controller.abort();
        return '{"answer":"x"}';
      },
    ]);
    await expect(
      evaluate(predict('question -> answer', { lm }), sums(5), () => true, {
        signal: controller.signal,
        concurrency: 1,
      }),
    ).rejects.toMatchObject({ code: 'EVALUATION_ABORTED' });
    expect(lm.requests).toHaveLength(1);
  });

  it('validates its arguments', async () => {
    const qa = predict('question -> answer');
    await expect(evaluate(qa, sums(1), () => 1, { concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(evaluate(qa, [{ labels: {} } as never], () => 1)).rejects.toThrow(
      /devset\.0\.inputs/,
    );
    await expect(evaluate(qa, sums(1), 'metric' as never)).rejects.toThrow(/metric/);
  });
});

describe('exactMatch', () => {
  it('compares one field after trimming and, by default, ignoring case', () => {
    const item = example({ q: 'x' }, { answer: 'Paris' });
    expect(exactMatch('answer')(item, { answer: ' paris ' }, [])).toBe(true);
    expect(exactMatch('answer', { caseSensitive: true })(item, { answer: 'paris' }, [])).toBe(
      false,
    );
    expect(exactMatch('n')(example({}, { n: 3 }), { n: 3 }, [])).toBe(true);
  });
});
