import {
  type LanguageModel,
  type LanguageModelRequest,
  type LanguageModelResponse,
  languageModelResponseSchema,
  VarplaneError,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { LanguageModelError } from '../errors';

/**
 * Calls a model that may be anyone's code: a throw that is not a varplane error (a string,
 * `undefined`, a TypeError) becomes `LM_PROVIDER_ERROR`, and an answer that is not a response
 * (`undefined`, `{}`, negative or NaN usage) becomes `LM_INVALID_RESPONSE` naming the field.
 */
export async function generateContained(
  lm: LanguageModel,
  request: LanguageModelRequest,
): Promise<LanguageModelResponse> {
  const fail = (
    code: 'LM_PROVIDER_ERROR' | 'LM_INVALID_RESPONSE',
    message: string,
    cause?: unknown,
  ) =>
    new LanguageModelError({
      code,
      message: `${lm.provider} ${lm.modelId}: ${message}`,
      provider: String(lm.provider),
      modelId: String(lm.modelId),
      ...(cause === undefined ? {} : { cause }),
    });
  let response: unknown;
  try {
    response = await lm.generate(request);
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
    throw fail('LM_PROVIDER_ERROR', `generate failed: ${what}`, error);
  }
  const checked = languageModelResponseSchema.safeParse(response);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const path = issue?.path.join('.') || '(response)';
    throw fail(
      'LM_INVALID_RESPONSE',
      `generate resolved to something that is not a response: ${path}: ${issue?.message} (got ${describeValue(response)})`,
    );
  }
  return checked.data;
}
