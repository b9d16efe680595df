import type { LanguageModel } from '@varplane/core';
import { LanguageModelError } from './errors';
import { invalidArgument, isVarplaneError, readable } from './internal/parse-options';

/**
 * Language models by id: what a predictor's `model` variable chooses from. Explicit values, never
 * global.
 */
export interface LanguageModelRegistry {
  readonly modelIds: readonly string[];
  /** The model with this id, or an `LM_UNKNOWN_MODEL` error naming the ids there are. */
  get(modelId: string): LanguageModel;
  has(modelId: string): boolean;
}

function isLanguageModel(value: unknown): value is LanguageModel {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as LanguageModel).generate === 'function' &&
      typeof (value as LanguageModel).modelId === 'string' &&
      typeof (value as LanguageModel).provider === 'string'
    );
  } catch {
    return false;
  }
}

function modelIdOf(value: unknown): string | undefined {
  try {
    const id = (value as LanguageModel | null)?.modelId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a value is a registry rather than a single model. */
export function isLanguageModelRegistry(value: unknown): value is LanguageModelRegistry {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as LanguageModelRegistry).modelIds) &&
      typeof (value as LanguageModelRegistry).get === 'function'
    );
  } catch {
    // A Proxy whose traps throw is no registry.
    return false;
  }
}

/**
 * A registry of models, keyed by their own `modelId` (from a list) or by the given keys (from a
 * record, so one model can stand under an alias).
 *
 * @example
 * const models = createLanguageModelRegistry([
 *   createSimulatedLanguageModel({ modelId: 'sim-small', tasks }),
 *   createSimulatedLanguageModel({ modelId: 'sim-large', tasks }),
 * ]);
 * const qa = predict('question -> answer', { lm: models }); // `model` chooses sim-small or sim-large
 */
export function createLanguageModelRegistry(
  models: readonly LanguageModel[] | Readonly<Record<string, LanguageModel>>,
): LanguageModelRegistry {
  const subject = 'createLanguageModelRegistry';
  let entries: [string, unknown][];
  let list: boolean;
  try {
    list = Array.isArray(models);
    entries = list
      ? (models as readonly unknown[]).map((model, i) => [modelIdOf(model) ?? String(i), model])
      : typeof models === 'object' && models !== null
        ? Object.entries(models)
        : invalidArgument(
            subject,
            'models',
            'must be a list or a record of language models',
            models,
          );
  } catch (cause) {
    if (isVarplaneError(cause)) throw cause;
    return invalidArgument(subject, 'models', `could not be read (${readable(cause)})`, undefined);
  }
  const byId = new Map<string, LanguageModel>();
  entries.forEach(([id, model], i) => {
    const path = list ? `models[${i}]` : `models.${id}`;
    if (!isLanguageModel(model)) invalidArgument(subject, path, 'must be a LanguageModel', model);
    if (id === '')
      invalidArgument('createLanguageModelRegistry', path, 'needs a non-empty model id', id);
    if (byId.has(id))
      invalidArgument(
        'createLanguageModelRegistry',
        path,
        `repeats the model id ${JSON.stringify(id)}`,
        id,
      );
    byId.set(id, model);
  });
  if (byId.size === 0)
    invalidArgument(
      'createLanguageModelRegistry',
      'models',
      'must hold at least one model',
      models,
    );
  const modelIds = Object.freeze([...byId.keys()]);
  return Object.freeze({
    modelIds,
    has(modelId: string): boolean {
      if (typeof modelId !== 'string')
        invalidArgument('registry.has', 'modelId', 'must be a string', modelId);
      return byId.has(modelId);
    },
    get(modelId: string): LanguageModel {
      if (typeof modelId !== 'string')
        invalidArgument('registry.get', 'modelId', 'must be a string', modelId);
      const found = byId.get(modelId);
      if (found !== undefined) return found;
      throw new LanguageModelError({
        code: 'LM_UNKNOWN_MODEL',
        message: `no model ${JSON.stringify(modelId)} in the registry; models: ${modelIds.join(', ')}`,
        provider: 'registry',
        modelId,
      });
    },
  });
}
