import { createMultiAgentSpace, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { agentize } from './agentize';
import { predict } from './predict';
import { createSimulatedLanguageModel } from './simulated-language-model';

const lm = createSimulatedLanguageModel({ seed: 1 });

describe("the card's names in programs", () => {
  it('predict takes max_tokens as maxTokens, and an instruction', () => {
    const asCard = predict('task -> answer', { lm, max_tokens: 256, instruction: 'Be terse.' });
    const asPackage = predict('task -> answer', { lm, maxTokens: 256, instruction: 'Be terse.' });
    expect(asCard.configuration).toEqual(asPackage.configuration);
    expect(asCard.configuration.maxTokens).toBe(256);
    expect(asCard.configuration.instruction).toBe('Be terse.');
    // The signature's own instructions stay a candidate of the instruction variable.
    const variable = asCard.variables.get('instruction') as { candidates?: readonly string[] };
    expect(variable.candidates).toContain(asCard.signature.instructions);
  });

  it('refuses max_tokens and maxTokens with different values', () => {
    let caught: unknown;
    try {
      predict('task -> answer', { lm, maxTokens: 100, max_tokens: 200 });
    } catch (error) {
      caught = error;
    }
    expect(VarplaneError.isInstance(caught, 'INVALID_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toMatch(/max_tokens.*maxTokens.*200/);
  });

  it("agentize takes the card's local variable names", () => {
    const coder = agentize(predict('task -> answer', { lm, maxTokens: 300 }), {
      agentId: 'python_coder',
      role: 'executor',
      localVariables: ['temperature', 'max_tokens'],
    });
    expect(coder.localVariables.variables.map((v) => v.id)).toEqual(['temperature', 'maxTokens']);
    const space = coder.register(createMultiAgentSpace({ id: 'team' }));
    expect(space.agents.python_coder?.localConfiguration.maxTokens).toBe(300);
  });
});
