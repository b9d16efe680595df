import { describe, expect, it } from 'vitest';
import { catchVarplaneError, violations } from './internal/testing';
import {
  frequencyPenalty,
  languageModelSpace,
  maxTokens,
  presencePenalty,
  REASONING_STRATEGIES,
  reasoningStrategy,
  temperature,
  topP,
} from './ml-presets';
import { createRandom } from './random';

const models = [
  { provider: 'openai', model: 'gpt-4o-mini', contextWindow: 128_000 },
  { provider: 'openai', model: 'gpt-4o', contextWindow: 128_000 },
  { provider: 'ollama', model: 'llama3.1:8b', contextWindow: 8192 },
  { provider: 'ollama', model: 'phi3', contextWindow: 4096 },
];

describe('preset variables', () => {
  it('have the documented ranges and defaults, and take overrides', () => {
    expect(temperature()).toMatchObject({
      id: 'temperature',
      range: [0, 2],
      default: 0.7,
      precision: 2,
    });
    expect(topP()).toMatchObject({ range: [0, 1], default: 1 });
    expect(frequencyPenalty()).toMatchObject({ range: [-2, 2], default: 0 });
    expect(presencePenalty()).toMatchObject({ id: 'presencePenalty', range: [-2, 2] });
    expect(maxTokens()).toMatchObject({ range: [1, 4096], default: 1024 });
    expect(reasoningStrategy().choices).toEqual(REASONING_STRATEGIES);
    expect(temperature({ id: 'heat', range: [0, 1], default: 0.2 })).toMatchObject({
      id: 'heat',
      range: [0, 1],
      default: 0.2,
    });
    expect(catchVarplaneError(() => temperature({ default: 3 })).code).toBe(
      'VARIABLE_DEFAULT_INVALID',
    );
  });
});

describe('languageModelSpace', () => {
  const space = languageModelSpace({ models });

  it('defaults to the first model with a fitting maxTokens', () => {
    expect(space.defaults()).toEqual({
      provider: 'openai',
      model: 'gpt-4o-mini',
      temperature: 0.7,
      maxTokens: 1024,
      topP: 1,
      frequencyPenalty: 0,
      presencePenalty: 0,
      reasoningStrategy: 'predict',
    });
    expect(space.get('maxTokens')).toMatchObject({ range: [1, 16384] });
  });

  it('rejects a model of another provider', () => {
    const result = space.check({ provider: 'ollama', model: 'gpt-4o' });
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: 'model',
        message: 'model-belongs-to-provider: model "gpt-4o" is not offered by provider "ollama"',
        value: 'gpt-4o',
      },
    ]);
  });

  it('rejects maxTokens above the model context window', () => {
    const result = space.check({ provider: 'ollama', model: 'phi3', maxTokens: 5000 });
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: 'maxTokens',
        message:
          'max-tokens-within-context-window: maxTokens 5000 exceeds the 4096-token context window of "phi3"',
        value: 5000,
      },
    ]);
    expect(space.check({ provider: 'ollama', model: 'phi3', maxTokens: 4096 }).ok).toBe(true);
  });

  it('rejects a high temperature with a low topP, and only that pairing', () => {
    expect(space.check({ temperature: 1.6, topP: 0.2 }).ok).toBe(false);
    expect(space.check({ temperature: 1.6, topP: 0.3 }).ok).toBe(true);
    expect(space.check({ temperature: 1.5, topP: 0.2 }).ok).toBe(true);
  });

  it('samples only consistent configurations, across every provider', () => {
    const samples = space.sampleMany(300, createRandom(99));
    for (const sample of samples) expect(violations(space, sample)).toEqual([]);
    const pairs = new Set(samples.map((sample) => `${sample.provider}/${sample.model}`));
    expect(pairs).toEqual(new Set(models.map((entry) => `${entry.provider}/${entry.model}`)));
    const small = samples.filter((sample) => sample.model === 'phi3');
    expect(small.every((sample) => (sample.maxTokens as number) <= 4096)).toBe(true);
  });

  it('takes strategies, a maxTokens range and extra constraints', () => {
    const custom = languageModelSpace({
      models,
      reasoningStrategies: ['react', 'predict'],
      maxTokens: { range: [256, 2048], default: 512 },
      constraints: [
        {
          name: 'no-react-on-ollama',
          paths: ['reasoningStrategy'],
          check: (c) => !(c.provider === 'ollama' && c.reasoningStrategy === 'react'),
        },
      ],
    });
    expect(custom.defaults()).toMatchObject({ reasoningStrategy: 'react', maxTokens: 512 });
    expect(custom.check({ provider: 'ollama', model: 'phi3', reasoningStrategy: 'react' }).ok).toBe(
      false,
    );
  });

  it('rejects bad options', () => {
    expect(catchVarplaneError(() => languageModelSpace({ models: [] })).code).toBe(
      'INVALID_ARGUMENT',
    );
    const duplicate = catchVarplaneError(() =>
      languageModelSpace({ models: [models[0], models[0]] as never }),
    );
    expect(duplicate.code).toBe('INVALID_ARGUMENT');
    expect(duplicate.message).toContain('"gpt-4o-mini"');
    const window = catchVarplaneError(() =>
      languageModelSpace({ models: [{ provider: 'x', model: 'y', contextWindow: 0 }] }),
    );
    expect(window.issues?.[0]?.path).toBe('models.0.contextWindow');
  });
});
