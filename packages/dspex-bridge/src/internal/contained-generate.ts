import {
  type Clock,
  type LanguageModel,
  type LanguageModelRequest,
  type LanguageModelResponse,
  languageModelResponseSchema,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { LanguageModelError } from '../errors';
import { withDeadline } from './deadline';
import { isVarplaneError, readable, readWith } from './parse-options';

/** Deadline of one model call when the caller sets none: past any adapter's own retries. */
export const DEFAULT_LM_TIMEOUT_MS = 300_000;

/**
 * Calls a model that may be anyone's code: a throw that is not a varplane error (a string,
 * `undefined`, a TypeError) becomes `LM_PROVIDER_ERROR`; an answer that is not a response
 * (`undefined`, `{}`, negative or NaN usage) becomes `LM_INVALID_RESPONSE` naming the field; a
 * call that has not settled after `timeoutMs` is `LM_TIMEOUT`, and the signal the model was
 * given is aborted so an adapter can stop its HTTP request.
 */
export async function generateContained(
  lm: LanguageModel,
  request: LanguageModelRequest,
  deadline: { readonly clock: Clock; readonly timeoutMs: number },
): Promise<LanguageModelResponse> {
  const provider = String(lm.provider);
  const modelId = String(lm.modelId);
  const fail = (
    code: 'LM_PROVIDER_ERROR' | 'LM_INVALID_RESPONSE' | 'LM_TIMEOUT' | 'LM_ABORTED',
    message: string,
    cause?: unknown,
  ) =>
    new LanguageModelError({
      code,
      message: `${provider} ${modelId}: ${message}`,
      provider,
      modelId,
      retryable: code === 'LM_TIMEOUT',
      ...(cause === undefined ? {} : { cause }),
    });
  let response: unknown;
  try {
    response = await withDeadline(
      {
        clock: deadline.clock,
        ms: deadline.timeoutMs,
        signal: request.signal,
        timedOut: () =>
          fail('LM_TIMEOUT', `generate did not settle within ${deadline.timeoutMs} ms`),
        aborted: (reason) => fail('LM_ABORTED', 'the request was aborted', reason),
      },
      (signal) => lm.generate({ ...request, signal }),
    );
  } catch (error) {
    if (isVarplaneError(error)) throw error;
    throw fail('LM_PROVIDER_ERROR', `generate failed: ${readable(error)}`, error);
  }
  const checked = readWith(languageModelResponseSchema, response);
  if (checked.ok) return checked.data;
  if (checked.issues === undefined) {
    throw fail(
      'LM_INVALID_RESPONSE',
      `generate resolved to a value that cannot be read (${readable(checked.cause)})`,
      checked.cause,
    );
  }
  const issue = checked.issues[0];
  throw fail(
    'LM_INVALID_RESPONSE',
    `generate resolved to something that is not a response: ${issue?.path || '(response)'}: ${issue?.message} (got ${describeValue(response)})`,
  );
}
