import { createManualClock } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { arithmeticTask, reverseTask, sums } from '../test/arithmetic-task';
import { createCostModel } from './cost-model';
import { example } from './example';
import { formatPrompt } from './prompt-format';
import { signature } from './signature';
import { createSimulatedLanguageModel, taskFromExamples } from './simulated-language-model';
import { DEFAULT_RESPONSE_PROFILE, responseAccuracy } from './simulated-response-model';

const qa = signature('question -> answer');
const request = (
  question: string,
  extra: Partial<Parameters<typeof formatPrompt>[1]> = {},
  temperature = 0.3,
) => ({
  messages: formatPrompt(qa, { inputs: { question }, format: 'json', ...extra }),
  temperature,
});

describe('createSimulatedLanguageModel', () => {
  it('answers a known task in the requested format, with estimated usage and cost', async () => {
    const lm = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.98, maxAccuracy: 0.999 } },
      costModel: createCostModel({ prices: { simulated: { input: 1, output: 2 } }, per: 1 }),
    });
    expect(lm.provider).toBe('simulated');
    const reply = await lm.generate(request('What is 2 + 3?'));
    expect(reply.text).toBe('{"answer":"5"}');
    expect(reply.finishReason).toBe('stop');
    expect(reply.modelId).toBe('simulated');
    expect(reply.usage.outputTokens).toBe(Math.ceil('{"answer":"5"}'.length / 4));
    expect(reply.usage.totalTokens).toBe(reply.usage.inputTokens + reply.usage.outputTokens);
    expect(reply.usage.cost).toBe(reply.usage.inputTokens + 2 * reply.usage.outputTokens);
    const marked = await lm.generate({
      messages: formatPrompt(qa, { inputs: { question: 'What is 4 + 4?' }, format: 'markers' }),
      temperature: 0.3,
    });
    expect(marked.text).toBe('[[ ## answer ## ]]\n8\n\n[[ ## completed ## ]]');
  });

  it('is deterministic under a seed, whatever the order of requests', async () => {
    const questions = sums(40).map((item) => String(item.inputs.question));
    const run = async (seed: number, order: readonly string[]) => {
      const lm = createSimulatedLanguageModel({ seed, tasks: [arithmeticTask] });
      const answers = await Promise.all(order.map((q) => lm.generate(request(q, {}, 0.9))));
      return Object.fromEntries(order.map((q, i) => [q, answers[i]?.text]));
    };
    const forward = await run(11, questions);
    expect(await run(11, [...questions].reverse())).toEqual(forward);
    const other = await run(12, questions);
    expect(Object.keys(other).filter((q) => other[q] !== forward[q]).length).toBeGreaterThan(0);
  });

  it('samples anew for a repeated request, and alike for a repeated run', async () => {
    const make = () =>
      createSimulatedLanguageModel({
        seed: 3,
        tasks: [arithmeticTask],
        responseModel: { all: { baseAccuracy: 0.5 } },
      });
    const sample = async () => {
      const lm = make();
      const out: string[] = [];
      for (let i = 0; i < 20; i++)
        out.push((await lm.generate(request('What is 10 + 10?', {}, 1.2))).text);
      return out;
    };
    const first = await sample();
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await sample()).toEqual(first);
  });

  it('answers a request carrying its own seed the same way every time, so paired runs pair', async () => {
    const lm = createSimulatedLanguageModel({
      seed: 3,
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.5 } },
    });
    const seeded = (seed: number) => ({ ...request('What is 10 + 10?', {}, 1.2), seed });
    const bySeed = async (seed: number) => {
      const out: string[] = [];
      for (let i = 0; i < 10; i++) out.push((await lm.generate(seeded(seed))).text);
      return out;
    };
    for (const seed of [1, 2, 3]) expect(new Set(await bySeed(seed)).size).toBe(1);
    // Different seeds are different samples.
    const firsts = await Promise.all(
      Array.from({ length: 20 }, (_, seed) => lm.generate(seeded(seed)).then((r) => r.text)),
    );
    expect(new Set(firsts).size).toBeGreaterThan(1);
  });

  it('is right as often as its response model says', async () => {
    const lm = createSimulatedLanguageModel({
      seed: 5,
      tasks: [arithmeticTask],
      responseModel: {
        tasks: {
          arithmetic: { baseAccuracy: 0.7, optimalTemperature: 0.2, temperatureSensitivity: 3 },
        },
      },
    });
    const questions = sums(600);
    for (const temperature of [0.2, 1.4]) {
      const accuracy = lm.inspect(request('What is 1 + 1?', {}, temperature)).accuracy;
      let correct = 0;
      for (const item of questions) {
        const reply = await lm.generate(request(String(item.inputs.question), {}, temperature));
        if (reply.text === JSON.stringify(item.labels)) correct++;
      }
      const rate = correct / questions.length;
      // Four standard errors of a binomial proportion.
      const tolerance = 4 * Math.sqrt((accuracy * (1 - accuracy)) / questions.length);
      expect(Math.abs(rate - accuracy)).toBeLessThan(tolerance);
    }
    expect(lm.inspect(request('What is 1 + 1?', {}, 0.2)).accuracy).toBeCloseTo(0.7, 10);
    expect(lm.inspect(request('What is 1 + 1?', {}, 1.4)).accuracy).toBeCloseTo(
      1 / (1 + Math.exp(-(Math.log(0.7 / 0.3) - 3 * 1.2 * 1.2))),
      10,
    );
  });

  it('counts relevant, wrong and off-task demos, instruction keywords and reasoning', () => {
    const lm = createSimulatedLanguageModel({
      tasks: [arithmeticTask, reverseTask],
      responseModel: {
        tasks: {
          arithmetic: {
            instructionKeywords: ['add', 'carefully'],
            keywordBonus: 2,
            reasoningBonus: 1,
          },
        },
      },
    });
    const demos = [
      example({ question: 'What is 1 + 2?' }, { answer: '3' }),
      example({ question: 'What is 2 + 2?' }, { answer: '5' }),
      example({ question: 'Reverse: a b' }, { answer: 'b a' }),
      example({ question: 'What is 5 + 5?' }, { answer: '10' }),
    ];
    const decision = lm.inspect(
      request('What is 7 + 8?', { demos, instruction: 'Add the numbers.' }),
    );
    expect(decision.taskType).toBe('arithmetic');
    expect(decision.expected).toEqual({ answer: '15' });
    expect(decision.features).toEqual({
      temperature: 0.3,
      relevantDemos: 2,
      irrelevantDemos: 2,
      instruction: 'Add the numbers.',
      reasoning: false,
    });
    expect(decision.accuracy).toBeCloseTo(
      responseAccuracy(decision.profile, decision.features),
      12,
    );
    const cot = signature('question -> reasoning, answer');
    const reasoned = lm.inspect({
      messages: formatPrompt(cot, {
        inputs: { question: 'What is 7 + 8?' },
        format: 'json',
        instruction: 'Add carefully.',
      }),
      temperature: 0.3,
    });
    expect(reasoned.features.reasoning).toBe(true);
    // Both keywords (+2) and reasoning (+1) over the base logit.
    const base = Math.log(0.6 / 0.4);
    expect(reasoned.accuracy).toBeCloseTo(1 / (1 + Math.exp(-(base + 3))), 12);
  });

  it('layers profiles: defaults, response model, task, model, then agent', () => {
    const options = {
      tasks: [{ ...arithmeticTask, profile: { optimalTemperature: 0.5 } }],
      responseModel: { all: { baseAccuracy: 0.5 }, tasks: { arithmetic: { baseAccuracy: 0.55 } } },
      models: {
        'sim-large': {
          all: { baseAccuracy: 0.8 },
          tasks: { arithmetic: { optimalTemperature: 0.9 } },
        },
      },
      agents: { careful: { tasks: { arithmetic: { optimalTemperature: 0 } } } },
    };
    const small = createSimulatedLanguageModel({ ...options, modelId: 'sim-small' });
    const large = small.withModelId('sim-large');
    const prompt = request('What is 1 + 1?');
    expect(small.inspect(prompt).profile).toMatchObject({
      baseAccuracy: 0.55,
      optimalTemperature: 0.5,
    });
    expect(large.modelId).toBe('sim-large');
    expect(large.inspect(prompt).profile).toMatchObject({
      baseAccuracy: 0.8,
      optimalTemperature: 0.9,
    });
    expect(large.inspect({ ...prompt, agentId: 'careful' }).profile).toMatchObject({
      baseAccuracy: 0.8,
      optimalTemperature: 0,
      temperatureSensitivity: DEFAULT_RESPONSE_PROFILE.temperatureSensitivity,
    });
  });

  it('answers wrongly with plausible values, and in prose when the format breaks', async () => {
    const never = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      responseModel: { all: { baseAccuracy: 0.0001, minAccuracy: 0.0001 } },
    });
    const wrong = JSON.parse((await never.generate(request('What is 20 + 20?'))).text) as {
      answer: string;
    };
    expect(wrong.answer).not.toBe('40');
    expect(Math.abs(Number(wrong.answer) - 40)).toBeLessThanOrEqual(3);
    const sloppy = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      responseModel: { all: { formatErrorRate: 1 } },
    });
    expect((await sloppy.generate(request('What is 1 + 1?'))).text).toMatch(
      /^I believe the answer is \d+\.$/,
    );
  });

  it('gives typed placeholders for prompts no task answers, and plain text to foreign prompts', async () => {
    const lm = createSimulatedLanguageModel({ tasks: [arithmeticTask] });
    const typed = signature(
      "question -> answer, score: number, ok: boolean, tags: string[], kind: 'a' | 'b'",
    );
    const reply = await lm.generate({
      messages: formatPrompt(typed, { inputs: { question: 'Unknown?' }, format: 'json' }),
    });
    expect(JSON.parse(reply.text)).toEqual({
      answer: 'unknown',
      score: 0,
      ok: false,
      tags: [],
      kind: 'a',
    });
    expect(lm.inspect({ messages: [{ role: 'user', content: 'hi' }] })).toMatchObject({
      taskType: undefined,
      accuracy: 0,
    });
    expect((await lm.generate({ messages: [{ role: 'user', content: 'hi' }] })).text).toBe(
      'I do not know.',
    );
    const lookup = createSimulatedLanguageModel({
      tasks: [taskFromExamples('greeting', [example({ prompt: 'hi' }, { reply: 'hello' })])],
      responseModel: { all: { baseAccuracy: 0.98, maxAccuracy: 0.999 } },
    });
    expect(
      (await lookup.generate({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.3 }))
        .text,
    ).toBe('hello');
  });

  it('truncates at maxTokens with finish reason length', async () => {
    const lm = createSimulatedLanguageModel({ tasks: [arithmeticTask] });
    const reply = await lm.generate({ ...request('What is 2 + 2?'), maxTokens: 2 });
    expect(reply).toMatchObject({ finishReason: 'length', text: '{"answer' });
    expect(reply.usage.outputTokens).toBe(2);
  });

  it('spends its latency on the injected clock and stops when aborted', async () => {
    const clock = createManualClock();
    const lm = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      clock,
      latency: { baseMs: 100, perOutputTokenMs: 10 },
    });
    let done = false;
    const reply = lm.generate(request('What is 2 + 2?')).then((r) => {
      done = true;
      return r;
    });
    await Promise.resolve();
    expect(clock.pending()).toBe(1);
    const outputTokens = Math.ceil('{"answer":"4"}'.length / 4);
    clock.advance(100 + 10 * outputTokens - 1);
    await Promise.resolve();
    expect(done).toBe(false);
    clock.advance(1);
    expect((await reply).text.length).toBeGreaterThan(0);
    const controller = new AbortController();
    const aborted = lm.generate({ ...request('What is 3 + 3?'), signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'LM_ABORTED' });
    expect(clock.pending()).toBe(0);
  });

  it('validates its options with the path of the bad field', () => {
    expect(() =>
      createSimulatedLanguageModel({ responseModel: { tasks: { math: { baseAccuracy: 1.5 } } } }),
    ).toThrow(/responseModel\.tasks\.math\.baseAccuracy/);
    expect(() => createSimulatedLanguageModel({ tasks: [{ type: 'x' } as never] })).toThrow(
      /tasks\.0\.solve/,
    );
  });
});
