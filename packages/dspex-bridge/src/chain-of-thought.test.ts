import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { arithmeticTask } from '../test/arithmetic-task';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { chainOfThought } from './chain-of-thought';
import { signature } from './signature';
import { createSimulatedLanguageModel } from './simulated-language-model';

describe('chainOfThought', () => {
  const sig = signature({
    inputs: z.object({ question: z.string() }),
    outputs: z.object({ answer: z.number() }),
  });

  it('asks for reasoning before the outputs and returns it with them', async () => {
    const lm = scriptedLanguageModel(['{"reasoning":"17 * 3 = 51","answer":51}']);
    const solver = chainOfThought(sig, { lm });
    expect(solver.kind).toBe('chain_of_thought');
    expect(solver.signature.outputFields.map((f) => f.name)).toEqual(['reasoning', 'answer']);
    const output = await solver.call({ question: 'What is 17 * 3?' });
    expectTypeOf(output).toEqualTypeOf<{ answer: number } & { reasoning: string }>();
    expect(output).toEqual({ reasoning: '17 * 3 = 51', answer: 51 });
    const system = lm.requests[0]?.messages[0]?.content ?? '';
    expect(system).toContain('1. `reasoning` (string): Think step by step');
    expect(system).toContain('2. `answer` (number)');
    expect(sig.outputFields).toHaveLength(1);
  });

  it('gets the simulated model reasoning bonus', () => {
    const lm = createSimulatedLanguageModel({
      tasks: [arithmeticTask],
      responseModel: { all: { reasoningBonus: 1 } },
    });
    const seen: number[] = [];
    const probe = scriptedLanguageModel([
      (request) => {
        seen.push(lm.inspect(request).accuracy);
        return '{"reasoning":"r","answer":"2"}';
      },
    ]);
    return chainOfThought('question -> answer', { lm: probe, temperature: 0.3 })
      .call({ question: 'What is 1 + 1?' })
      .then(() => {
        expect(seen[0]).toBeCloseTo(1 / (1 + Math.exp(-(Math.log(0.6 / 0.4) + 1))), 12);
      });
  });

  it('refuses a signature that already has a reasoning field', () => {
    expect(() => chainOfThought('question -> reasoning, answer')).toThrow(/already exists/);
  });
});
