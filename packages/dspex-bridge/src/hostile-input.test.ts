import { createManualClock, type LanguageModel, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createMemoryCacheStore } from './cache-store';
import { composeProgram } from './compose-program';
import { createCostModel } from './cost-model';
import { LanguageModelError, OutputParseError } from './errors';
import { evaluate } from './evaluate';
import { example } from './example';
import { functionProgram } from './function-program';
import { createLanguageModelRegistry } from './language-model-registry';
import { predict } from './predict';
import { formatPrompt, formatSystemMessage } from './prompt-format';
import { cacheKey } from './record-replay';
import { extractJsonObject, parseReply } from './reply-parser';
import { prependOutputField, signature, withInstructions } from './signature';
import { createSimulatedLanguageModel, type SimulatedTask } from './simulated-language-model';
import { keywordCoverage, resolveResponseProfile } from './simulated-response-model';
import { demosFromTraces } from './trace';

const sig = signature('question -> answer');
const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error('trap');
    },
    ownKeys() {
      throw new Error('trap');
    },
    getPrototypeOf() {
      throw new Error('trap');
    },
  },
);

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(VarplaneError.isInstance(error)).toBe(true);
    return (error as VarplaneError).code;
  }
  throw new Error('expected a throw');
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

const hanging: LanguageModel = {
  specificationVersion: 'v1',
  provider: 'custom',
  modelId: 'slow',
  generate: (request) =>
    new Promise((_, reject) => {
      // Listens, as a well-made adapter does: the deadline's abort reaches it.
      request.signal?.addEventListener('abort', () => reject(request.signal?.reason));
    }),
};

describe('hostile input at the public entry points', () => {
  it('makes errors from any options without throwing something else', () => {
    for (const options of [null, undefined, throwing, { provider: 1, attempts: -1 }]) {
      const error = new LanguageModelError(options as never);
      expect(error.provider).toBe('unknown');
      expect(error.attempts).toBe(1);
      expect(new OutputParseError(options as never).rawText).toBe('');
    }
  });

  it('refuses non-signatures, non-strings and unreadable values with typed errors naming the field', () => {
    expect(codeOf(() => parseReply(null as never, '{}', 'json'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseReply(sig, 42 as never, 'json'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseReply(sig, '{}', 'xml' as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => extractJsonObject({} as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => formatSystemMessage(sig, [] as never, 'json'))).toBe('INVALID_ARGUMENT');
    expect(() => formatPrompt(sig, { inputs: { question: 1 }, format: 'json' } as never)).toThrow(
      /parts\.inputs\.question/,
    );
    expect(codeOf(() => formatPrompt(sig, throwing as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => signature(throwing as never))).toBe('SIGNATURE_INVALID');
    expect(codeOf(() => withInstructions(throwing as never, 'x'))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => prependOutputField(sig, 'answer2', {} as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => keywordCoverage('x', throwing as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => cacheKey('m', throwing as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createMemoryCacheStore([() => 1] as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createLanguageModelRegistry(throwing as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => demosFromTraces(null as never, ''))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => predict(Object.create(null)))).toBe('INVALID_ARGUMENT');
  });

  it('checks what a cost model is asked about', () => {
    const costs = createCostModel({ prices: { m: { input: 1, output: 2 } }, per: 1 });
    expect(costs.cost('m', { inputTokens: 1, outputTokens: 2 })).toBe(5);
    expect(() => costs.cost('m', undefined as never)).toThrow('costModel.cost: usage: ');
    expect(() => costs.withCost('m', { inputTokens: -1 } as never)).toThrow(/usage\.inputTokens/);
    expect(codeOf(() => costs.price(throwing as never))).toBe('INVALID_ARGUMENT');
  });

  it('refuses a huge list at its first bad element, naming the index', () => {
    const huge = new Array(100_000).fill(0);
    huge[0] = { predictor: '', input: {} };
    expect(() => demosFromTraces(huge as never, '')).toThrow(
      'demosFromTraces: traces.1: Invalid input: expected object, received number (got 0)',
    );
  });

  it('keeps `constructor` an ordinary task type and field name', () => {
    const profile = resolveResponseProfile(
      [{ tasks: { constructor: { baseAccuracy: 0.9 } } }],
      'constructor',
    );
    expect(profile.baseAccuracy).toBe(0.9);
    expect(resolveResponseProfile([{}], 'toString').baseAccuracy).toBe(0.6);
  });

  it('rejects a call whose options cannot be read, instead of throwing', async () => {
    const qa = predict(sig, { lm: hanging });
    const failure = await rejectionOf(qa.call({ question: 'q' }, throwing as never));
    expect(failure.code).toBe('INVALID_ARGUMENT');
  });

  it('contains a trace sink that throws', async () => {
    const lm: LanguageModel = {
      ...hanging,
      generate: async () => ({
        text: '{"answer":"a"}',
        finishReason: 'stop',
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
        modelId: 'slow',
      }),
    };
    const sink = {
      record() {
        throw 'not an error';
      },
    };
    const failure = await rejectionOf(
      predict(sig, { lm }).call({ question: 'q' }, { trace: sink }),
    );
    expect(failure.code).toBe('CALLBACK_FAILED');
    expect(failure.message).toMatch(/the trace sink threw: "not an error"/);
  });
});

describe('simulated tasks are user code', () => {
  const request = {
    messages: formatPrompt(sig, { inputs: { question: 'q' }, format: 'json' }),
  };
  it('turns a solve that rejects, a matches that throws and a garbage distract into LM_PROVIDER_ERROR', async () => {
    const rejected: unknown[] = [];
    const onRejection = (reason: unknown) => rejected.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const cases: [Partial<SimulatedTask>, RegExp][] = [
        [
          { solve: (async () => Promise.reject(new Error('no'))) as never },
          /task t: solve must return synchronously/,
        ],
        [
          {
            solve: () => ({ answer: 'a' }),
            matches: () => {
              throw 'bad';
            },
          },
          /task t: matches threw: "bad"/,
        ],
        [
          {
            solve: () => {
              throw new RangeError('r');
            },
          },
          /task t: solve threw: RangeError: r/,
        ],
        [
          {
            solve: () => ({ answer: 'a' }),
            distract: () => 7 as never,
            profile: { baseAccuracy: 0.01, maxAccuracy: 0.02, minAccuracy: 0.01 },
          },
          /task t: distract must return outputs as an object \(got 7\)/,
        ],
      ];
      for (const [task, message] of cases) {
        const lm = createSimulatedLanguageModel({
          tasks: [{ type: 't', ...task } as SimulatedTask],
        });
        const failure = await rejectionOf(lm.generate(request));
        expect(failure.code).toBe('LM_PROVIDER_ERROR');
        expect(failure.message).toMatch(message);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejected).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });
});

describe('deadlines on user code', () => {
  it('ends a generate that never settles with LM_TIMEOUT and aborts its signal', async () => {
    const clock = createManualClock();
    let signal: AbortSignal | undefined;
    const lm: LanguageModel = {
      ...hanging,
      generate: (request) => {
        signal = request.signal;
        return new Promise(() => {});
      },
    };
    const pending = rejectionOf(
      predict(sig, { lm, clock, timeoutMs: 1000 }).call({ question: 'q' }),
    );
    await Promise.resolve();
    clock.advance(999);
    expect(signal?.aborted).toBe(false);
    clock.advance(1);
    const failure = (await pending) as LanguageModelError;
    expect(failure.code).toBe('LM_TIMEOUT');
    expect(failure.message).toBe('custom slow: generate did not settle within 1000 ms');
    expect(signal?.aborted).toBe(true);
  });

  it('ends a function program whose run hangs with CALLBACK_TIMEOUT, and contains a thrown string', async () => {
    const clock = createManualClock();
    let signal: AbortSignal | undefined;
    const stuck = functionProgram({
      name: 'stuck',
      signature: 'query -> hits: number',
      timeoutMs: 50,
      clock,
      run: (_inputs, context) => {
        signal = context.signal;
        return new Promise(() => {});
      },
    });
    const pending = rejectionOf(stuck.call({ query: 'q' }));
    await Promise.resolve();
    clock.advance(50);
    expect((await pending).code).toBe('CALLBACK_TIMEOUT');
    expect(signal?.aborted).toBe(true);

    const thrower = functionProgram({
      name: 'thrower',
      signature: 'query -> hits: number',
      run: () => {
        throw 'a string';
      },
    });
    const failure = await rejectionOf(thrower.call({ query: 'q' }));
    expect(failure.code).toBe('CALLBACK_FAILED');
    expect(failure.message).toBe('thrower: run threw: "a string"');
  });

  it('ends a composed forward that hangs, and a metric that hangs, with CALLBACK_TIMEOUT', async () => {
    const clock = createManualClock();
    const stuck = composeProgram({
      name: 'stuck',
      signature: 'question -> answer',
      programs: { inner: predict(sig, { lm: hanging }) },
      forward: () => new Promise<Record<string, unknown>>(() => {}),
      timeoutMs: 10,
      clock,
    });
    const pending = rejectionOf(stuck.call({ question: 'q' }));
    await Promise.resolve();
    clock.advance(10);
    expect((await pending).code).toBe('CALLBACK_TIMEOUT');

    const echo = functionProgram({
      name: 'echo',
      signature: 'question -> answer',
      run: ({ question }) => ({ answer: String(question) }),
    });
    const result = evaluate(
      echo,
      [example({ question: 'q' }, { answer: 'q' })],
      () => new Promise(() => {}),
      {
        clock,
        metricTimeoutMs: 5,
      },
    );
    for (let i = 0; i < 10; i++) await Promise.resolve();
    clock.advance(5);
    const { results } = await result;
    expect(results[0]?.error?.code).toBe('CALLBACK_TIMEOUT');
  });

  it('refuses a timeout a timer cannot hold', () => {
    expect(codeOf(() => predict(sig, { timeoutMs: 2 ** 31 }))).toBe('INVALID_ARGUMENT');
    expect(() =>
      functionProgram({ name: 'f', signature: 'a -> b', run: () => ({ b: '' }), timeoutMs: 0 }),
    ).toThrow(/timeoutMs/);
  });
});
