import { createHash } from 'node:crypto';
import type {
  LanguageModel,
  LanguageModelCapabilities,
  LanguageModelRequest,
  LanguageModelResponse,
  LanguageModelStreamPart,
} from '@varplane/core';
import { z } from 'zod';
import type { CacheEntry, CacheStore } from './cache-store';
import { LanguageModelError, ReplayError } from './errors';
import { canonicalJson } from './internal/canonical-json';
import { checkRequest } from './internal/check-request';
import { invalidArgument, parseOptions } from './internal/parse-options';

/**
 * `record` calls the model for every request and stores the answer; `replay` answers only from
 * the store and fails a miss with `REPLAY_MISS`; `auto` answers from the store and calls the model
 * (and records) on a miss.
 */
export type RecordReplayMode = 'record' | 'replay' | 'auto';

/** Who a replay stands in for when the real model is not at hand (offline). */
export interface ReplayIdentity {
  readonly provider: string;
  readonly modelId: string;
  /** Must match the recorded model's, since they shape the requests callers make. */
  readonly capabilities?: LanguageModelCapabilities;
}

/** Options of {@link createRecordReplayLanguageModel}. */
export interface RecordReplayOptions {
  /** The model to record; in `replay` mode its identity is enough. */
  readonly model: LanguageModel | ReplayIdentity;
  readonly store: CacheStore;
  readonly mode: RecordReplayMode;
}

/** A language model wrapped in a record/replay cache. */
export interface RecordReplayLanguageModel extends LanguageModel {
  readonly mode: RecordReplayMode;
  /** Answers served from the store and calls made to the model, so far. */
  stats(): { readonly hits: number; readonly misses: number; readonly recorded: number };
}

const optionsSchema = z.strictObject({
  model: z.custom<LanguageModel | ReplayIdentity>(
    (v) =>
      typeof (v as ReplayIdentity | null)?.modelId === 'string' &&
      typeof (v as ReplayIdentity).provider === 'string',
    'must be a LanguageModel or { provider, modelId }',
  ),
  store: z.custom<CacheStore>(
    (v) =>
      typeof (v as CacheStore | null)?.load === 'function' &&
      typeof (v as CacheStore).append === 'function',
    'must be a CacheStore',
  ),
  mode: z.enum(['record', 'replay', 'auto']),
});

/** The parts of a request that decide its answer; the signal and the agent id do not. */
export function cacheableRequest(
  modelId: string,
  request: LanguageModelRequest,
): Record<string, unknown> {
  return {
    modelId,
    messages: request.messages,
    temperature: request.temperature,
    maxTokens: request.maxTokens,
    topP: request.topP,
    frequencyPenalty: request.frequencyPenalty,
    presencePenalty: request.presencePenalty,
    stop: request.stop,
    seed: request.seed,
    responseFormat: request.responseFormat,
    responseSchema: request.responseSchema,
    tools: request.tools,
    toolChoice: request.toolChoice,
    rolloutId: request.rolloutId,
  };
}

/** The cache key of a request: SHA-256 of its canonical JSON. */
export function cacheKey(modelId: string, request: LanguageModelRequest): string {
  parseOptions(z.string(), modelId, 'cacheKey', 'INVALID_ARGUMENT', 'modelId');
  return keyOf(modelId, checkRequest('cacheKey', request));
}

function keyOf(modelId: string, request: LanguageModelRequest): string {
  return createHash('sha256')
    .update(canonicalJson(cacheableRequest(modelId, request)))
    .digest('hex');
}

/**
 * Wraps a model in a record/replay cache keyed by model, messages, parameters and rollout id. The
 * n-th identical request of a run gets the n-th recorded answer, so a recorded run (samples at a
 * temperature included) replays exactly, offline, in `replay` mode. Entries live in a
 * {@link CacheStore}: JSON Lines on disk, or memory.
 *
 * @example
 * const lm = createRecordReplayLanguageModel({
 *   model: realModel,
 *   store: createJsonLinesCacheStore('recordings/run.jsonl'),
 *   mode: process.env.CI ? 'replay' : 'auto',
 * });
 */
export function createRecordReplayLanguageModel(
  options: RecordReplayOptions,
): RecordReplayLanguageModel {
  const parsed = parseOptions(optionsSchema, options, 'createRecordReplayLanguageModel');
  const { model, store, mode } = parsed;
  const live =
    typeof (model as LanguageModel).generate === 'function' ? (model as LanguageModel) : undefined;
  if (mode !== 'replay' && live === undefined) {
    invalidArgument(
      'createRecordReplayLanguageModel',
      'model',
      `must be a LanguageModel in ${mode} mode`,
      model,
    );
  }
  const { provider, modelId } = model;
  const byKey = new Map<string, CacheEntry[]>();
  const seen = new Map<string, number>();
  const counts = { hits: 0, misses: 0, recorded: 0 };
  let loaded: Promise<void> | undefined;
  const load = () => {
    loaded ??= store.load().then((entries) => {
      for (const entry of entries) {
        const list = byKey.get(entry.key) ?? [];
        list[entry.occurrence] = entry;
        byKey.set(entry.key, list);
      }
    });
    return loaded;
  };

  const aborted = (request: LanguageModelRequest) =>
    new LanguageModelError({
      code: 'LM_ABORTED',
      message: `${provider} ${modelId}: the request was aborted`,
      provider,
      modelId,
      cause: request.signal?.reason,
    });

  // The recorded answer for this request's next occurrence, or undefined to call the model.
  const lookup = async (request: LanguageModelRequest) => {
    const keyed = cacheableRequest(modelId, request);
    const key = keyOf(modelId, request);
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    if (request.signal?.aborted) throw aborted(request);
    if (mode !== 'record') {
      await load();
      const hit = byKey.get(key)?.[occurrence];
      if (hit !== undefined) {
        counts.hits++;
        return { key, keyed, occurrence, hit: structuredClone(hit) };
      }
      if (mode === 'replay') {
        throw new ReplayError({
          code: 'REPLAY_MISS',
          message: `${provider} ${modelId}: no recording of request ${key.slice(0, 12)}... (occurrence ${occurrence}); record it first, or use mode 'auto'`,
          key,
          modelId,
        });
      }
    }
    counts.misses++;
    return { key, keyed, occurrence, hit: undefined };
  };

  const remember = async (
    at: { key: string; keyed: Record<string, unknown>; occurrence: number },
    response: LanguageModelResponse,
    deltas?: readonly string[],
  ) => {
    const entry: CacheEntry = {
      key: at.key,
      occurrence: at.occurrence,
      modelId,
      request: JSON.parse(JSON.stringify(at.keyed)) as Record<string, unknown>,
      response,
      ...(deltas === undefined ? {} : { deltas: [...deltas] }),
    };
    await store.append(entry);
    counts.recorded++;
    const list = byKey.get(at.key) ?? [];
    list[at.occurrence] = entry;
    byKey.set(at.key, list);
  };

  return Object.freeze({
    specificationVersion: 'v1' as const,
    provider,
    modelId,
    ...(model.capabilities === undefined
      ? {}
      : { capabilities: { ...model.capabilities, streaming: true } }),
    mode,
    stats: () => ({ ...counts }),
    async generate(input: LanguageModelRequest): Promise<LanguageModelResponse> {
      const request = checkRequest(`${provider} ${modelId} generate`, input);
      const found = await lookup(request);
      if (found.hit !== undefined) return found.hit.response;
      const response = await (live as LanguageModel).generate(request);
      await remember(found, response);
      return response;
    },
    /**
     * A recorded stream replays its text in the deltas it came in; a recorded `generate` replays
     * as one delta. A miss streams from the model when it streams, and records what it sent.
     */
    async *stream(input: LanguageModelRequest): AsyncIterable<LanguageModelStreamPart> {
      const request = checkRequest(`${provider} ${modelId} stream`, input);
      const found = await lookup(request);
      if (found.hit !== undefined) {
        const { response, deltas } = found.hit;
        for (const text of deltas ?? (response.text === '' ? [] : [response.text])) {
          if (request.signal?.aborted) throw aborted(request);
          yield { type: 'text-delta', text };
        }
        for (const toolCall of response.toolCalls ?? []) yield { type: 'tool-call', toolCall };
        yield { type: 'finish', response };
        return;
      }
      const source = live as LanguageModel;
      if (source.stream === undefined) {
        const response = await source.generate(request);
        await remember(found, response);
        if (response.text !== '') yield { type: 'text-delta', text: response.text };
        for (const toolCall of response.toolCalls ?? []) yield { type: 'tool-call', toolCall };
        yield { type: 'finish', response };
        return;
      }
      const deltas: string[] = [];
      for await (const part of source.stream(request)) {
        if (part.type === 'text-delta') deltas.push(part.text);
        // Recorded before the caller sees the end, so a consumer that stops there loses nothing.
        if (part.type === 'finish') await remember(found, part.response, deltas);
        yield part;
      }
    },
  });
}
