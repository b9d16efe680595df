import { describe, expect, it } from 'vitest';
import { scriptedLanguageModel } from '../test/scripted-language-model';
import { createLanguageModelRegistry, isLanguageModelRegistry } from './language-model-registry';

describe('createLanguageModelRegistry', () => {
  const a = scriptedLanguageModel([''], { modelId: 'a' });
  const b = scriptedLanguageModel([''], { modelId: 'b' });

  it('finds models by id or alias', () => {
    const registry = createLanguageModelRegistry([a, b]);
    expect(registry.modelIds).toEqual(['a', 'b']);
    expect(registry.get('b')).toBe(b);
    expect(isLanguageModelRegistry(registry)).toBe(true);
    expect(isLanguageModelRegistry(a)).toBe(false);
    const aliased = createLanguageModelRegistry({ fast: a, smart: b });
    expect(aliased.get('fast')).toBe(a);
    expect(aliased.has('a')).toBe(false);
  });

  it('fails an unknown id with LM_UNKNOWN_MODEL naming the ids there are', () => {
    expect(() => createLanguageModelRegistry([a, b]).get('c')).toThrow(
      expect.objectContaining({
        code: 'LM_UNKNOWN_MODEL',
        message: 'no model "c" in the registry; models: a, b',
      }),
    );
  });

  it('rejects duplicates, non-models and empty registries', () => {
    expect(() => createLanguageModelRegistry([a, a])).toThrow(
      /models\[1\].*repeats the model id "a"/,
    );
    expect(() => createLanguageModelRegistry({ x: {} as never })).toThrow(
      /models\.x: must be a LanguageModel/,
    );
    expect(() => createLanguageModelRegistry([])).toThrow(/at least one model/);
  });
});
