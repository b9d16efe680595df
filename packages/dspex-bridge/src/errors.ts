import {
  InvalidArgumentError,
  type Issue,
  VarplaneError,
  type VarplaneErrorOptions,
} from '@varplane/core';
import { readField } from '@varplane/core/internal';

const isString = (v: unknown) => typeof v === 'string';
const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown) => typeof v === 'boolean';

/**
 * Stable error codes of `@varplane/dspex-bridge`. Bad input is a core `InvalidArgumentError`
 * (`INVALID_ARGUMENT`, `INPUT_INVALID`) or a {@link SignatureError}; a failed call is one of the
 * error classes below.
 */
export const DSPEX_ERROR_CODES = [
  // bad input
  'INVALID_ARGUMENT',
  'INPUT_INVALID',
  'SIGNATURE_INVALID',
  // the card's local-optimization fields, which the bridge refuses (teleprompters optimize teams)
  'LOCAL_OPTIMIZATION_UNSUPPORTED',
  // language model calls
  'LM_HTTP_ERROR',
  'LM_RATE_LIMITED',
  'LM_TIMEOUT',
  'LM_ABORTED',
  'LM_NETWORK_ERROR',
  'LM_INVALID_RESPONSE',
  'LM_RESPONSE_TOO_LARGE',
  'LM_NOT_CONFIGURED',
  'LM_UNKNOWN_MODEL',
  'LM_PROVIDER_ERROR',
  // replies
  'OUTPUT_PARSE_FAILED',
  'OUTPUT_INVALID',
  // record/replay
  'REPLAY_MISS',
  'CACHE_CORRUPT',
  // orchestration
  'ORCHESTRATION_NO_SELECTION',
  // user callbacks (a trace filter, an `apply`, a tool handler) that threw, hung or answered garbage
  'CALLBACK_FAILED',
  'CALLBACK_TIMEOUT',
  'PROGRAM_ABORTED',
  // tool loops: the loop's bound, and what a failed tool call shows the model
  'TOOL_STEPS_EXHAUSTED',
  'TOOL_UNKNOWN',
  'TOOL_ARGUMENTS_INVALID',
  'TOOL_RESULT_INVALID',
  // evaluation
  'EVALUATION_ABORTED',
  'METRIC_INVALID',
  'METRIC_FAILED',
] as const;
export type DspexErrorCode = (typeof DSPEX_ERROR_CODES)[number];

/** Codes of {@link LanguageModelError}. */
export type LanguageModelErrorCode =
  | 'LM_HTTP_ERROR'
  | 'LM_RATE_LIMITED'
  | 'LM_TIMEOUT'
  | 'LM_ABORTED'
  | 'LM_NETWORK_ERROR'
  | 'LM_INVALID_RESPONSE'
  | 'LM_RESPONSE_TOO_LARGE'
  | 'LM_NOT_CONFIGURED'
  | 'LM_UNKNOWN_MODEL'
  | 'LM_PROVIDER_ERROR';

/**
 * A language model call failed: the server answered with an error status (`LM_HTTP_ERROR`), kept
 * rate-limiting past the retries (`LM_RATE_LIMITED`), took too long (`LM_TIMEOUT`), was cancelled
 * (`LM_ABORTED`), could not be reached (`LM_NETWORK_ERROR`), or answered with something that is
 * not the wire format (`LM_INVALID_RESPONSE`) or a body past the adapter's size limit
 * (`LM_RESPONSE_TOO_LARGE`); `LM_PROVIDER_ERROR` is an AI SDK provider failure of
 * no other kind. `LM_NOT_CONFIGURED` and `LM_UNKNOWN_MODEL` say no model was available to call.
 */
export class LanguageModelError extends VarplaneError {
  declare readonly code: LanguageModelErrorCode;
  readonly provider: string;
  readonly modelId: string;
  /** The HTTP status, when a server answered. */
  readonly status: number | undefined;
  /** What `Retry-After` asked for, in ms, when the server sent it. */
  readonly retryAfterMs: number | undefined;
  /** Attempts made, retries included. */
  readonly attempts: number;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  constructor(
    options: VarplaneErrorOptions & {
      code: LanguageModelErrorCode;
      provider: string;
      modelId: string;
      status?: number;
      retryAfterMs?: number;
      attempts?: number;
      retryable?: boolean;
    },
  ) {
    super(options);
    this.name = 'LanguageModelError';
    // An error is made whatever it is given (see core's VarplaneError): a bad field is left out.
    this.provider = readField(options, 'provider', isString) ?? 'unknown';
    this.modelId = readField(options, 'modelId', isString) ?? 'unknown';
    this.status = readField(options, 'status', isNumber);
    this.retryAfterMs = readField(options, 'retryAfterMs', isNumber);
    this.attempts = readField(options, 'attempts', isCount) ?? 1;
    this.retryable = readField(options, 'retryable', isBoolean) ?? false;
  }
}

/** True for a {@link LanguageModelError}, even from another copy of this package. */
export function isLanguageModelError(error: unknown): error is LanguageModelError {
  try {
    return (
      VarplaneError.isInstance(error) &&
      typeof error.code === 'string' &&
      error.code.startsWith('LM_')
    );
  } catch {
    // A Proxy whose traps throw is not an error of ours.
    return false;
  }
}

/**
 * A model's reply could not be read as the signature's outputs: it did not parse
 * (`OUTPUT_PARSE_FAILED`) or it parsed but a field is missing or of the wrong type
 * (`OUTPUT_INVALID`, with `issues`). `rawText` is the reply as the model sent it.
 */
export class OutputParseError extends VarplaneError {
  declare readonly code: 'OUTPUT_PARSE_FAILED' | 'OUTPUT_INVALID';
  readonly rawText: string;
  readonly issues: readonly Issue[];
  /** Attempts made, re-asks included. */
  readonly attempts: number;
  constructor(
    options: VarplaneErrorOptions & {
      code: 'OUTPUT_PARSE_FAILED' | 'OUTPUT_INVALID';
      rawText: string;
      issues?: readonly Issue[];
      attempts?: number;
    },
  ) {
    super(options);
    this.name = 'OutputParseError';
    this.rawText = readField(options, 'rawText', isString) ?? '';
    this.issues = readField(options, 'issues', Array.isArray) ?? [];
    this.attempts = readField(options, 'attempts', isCount) ?? 1;
  }
}

/**
 * A signature's string form does not parse (`SIGNATURE_INVALID`). `position` is the 0-based offset
 * of the offending character in `source`; the message shows it under a caret.
 */
export class SignatureError extends InvalidArgumentError {
  readonly source: string;
  readonly position: number;
  constructor(
    options: VarplaneErrorOptions & { source: string; position: number; issues?: readonly Issue[] },
  ) {
    super(options);
    this.name = 'SignatureError';
    this.source = readField(options, 'source', isString) ?? '';
    this.position = readField(options, 'position', isCount) ?? 0;
  }
}

/**
 * A record/replay cache in replay mode met a request it never recorded (`REPLAY_MISS`), or its
 * store holds a line that is not a cache entry (`CACHE_CORRUPT`).
 */
export class ReplayError extends VarplaneError {
  declare readonly code: 'REPLAY_MISS' | 'CACHE_CORRUPT';
  /** The request key (a SHA-256 hex digest). */
  readonly key: string;
  readonly modelId: string;
  constructor(
    options: VarplaneErrorOptions & {
      code: 'REPLAY_MISS' | 'CACHE_CORRUPT';
      key: string;
      modelId: string;
    },
  ) {
    super(options);
    this.name = 'ReplayError';
    this.key = readField(options, 'key', isString) ?? '';
    this.modelId = readField(options, 'modelId', isString) ?? 'unknown';
  }
}
