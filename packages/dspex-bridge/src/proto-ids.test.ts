import { describe, expect, it } from 'vitest';
import { arithmeticTask } from '../test/arithmetic-task';
import { composeProgram } from './compose-program';
import { createCostModel } from './cost-model';
import { enableOrchestration } from './enable-orchestration';
import { functionProgram } from './function-program';
import { formatPrompt } from './prompt-format';
import { signature } from './signature';
import { createSimulatedLanguageModel } from './simulated-language-model';
import { resolveResponseProfile } from './simulated-response-model';

// Ids such as `__proto__` are ordinary ids: a model, an agent, a task type or an orchestration
// variable named so gets what the user set for it (zod's own records drop the key).
const prompt = {
  messages: formatPrompt(signature('question -> answer'), {
    inputs: { question: 'What is 1 + 1?' },
    format: 'json',
  }),
  temperature: 0.3,
};

describe('ids such as __proto__', () => {
  it('are model ids a cost model charges for', () => {
    const costs = createCostModel({
      prices: JSON.parse(
        '{"__proto__": {"input": 1, "output": 2}, "m": {"input": 0, "output": 0}}',
      ),
      per: 1,
    });
    expect(costs.price('__proto__')).toEqual({ input: 1, output: 2 });
    expect(costs.cost('__proto__', { inputTokens: 10, outputTokens: 5 })).toBe(20);
    expect(costs.price('constructor')).toBeUndefined();
  });

  it('are agents and models whose simulated profiles take effect', () => {
    const lm = createSimulatedLanguageModel({
      modelId: '__proto__',
      tasks: [arithmeticTask],
      models: JSON.parse('{"__proto__": {"all": {"baseAccuracy": 0.7}}}'),
      agents: JSON.parse('{"__proto__": {"tasks": {"arithmetic": {"optimalTemperature": 0.1}}}}'),
    });
    expect(lm.inspect(prompt).profile).toMatchObject({ baseAccuracy: 0.7 });
    expect(lm.inspect({ ...prompt, agentId: '__proto__' }).profile).toMatchObject({
      baseAccuracy: 0.7,
      optimalTemperature: 0.1,
    });
    expect(lm.inspect({ ...prompt, agentId: 'constructor' }).profile.optimalTemperature).not.toBe(
      0.1,
    );
  });

  it('are task types a response profile layer overrides', () => {
    const layer = JSON.parse('{"tasks": {"__proto__": {"baseAccuracy": 0.9}}}');
    expect(resolveResponseProfile([layer], '__proto__').baseAccuracy).toBe(0.9);
    expect(resolveResponseProfile([layer], 'other').baseAccuracy).not.toBe(0.9);
  });

  it('are orchestration variables a program follows, from the call or bound', async () => {
    const seen: unknown[] = [];
    const program = composeProgram({
      name: 'p',
      signature: 'x -> y',
      programs: {
        echo: functionProgram({ name: 'echo', signature: 'x -> y', run: ({ x }) => ({ y: x }) }),
      },
      forward: async ({ x }, _parts, context) => {
        seen.push(Object.entries(context.orchestration));
        return { y: String(x) };
      },
    });
    const followed = enableOrchestration(program, ['__proto__']);
    await followed.call({ x: '1' }, { orchestration: JSON.parse('{"__proto__": "fast"}') });
    const bound = followed.withOrchestration(JSON.parse('{"__proto__": ["slow"]}'));
    await bound.call({ x: '1' });
    expect(seen).toEqual([[['__proto__', 'fast']], [['__proto__', ['slow']]]]);
    expect(Object.entries(bound.orchestration)).toEqual([['__proto__', ['slow']]]);
  });
});
