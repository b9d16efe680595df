import type {
  LanguageModelMessage,
  LanguageModelRequest,
  LanguageModelResponse,
  LanguageModelToolCall,
} from '@varplane/core';

type TextPart = { type: 'text'; text: string };
type ToolCallPart = { type: 'tool-call'; toolCallId: string; toolName: string; input: unknown };
type ToolResultPart = {
  type: 'tool-result';
  toolCallId: string;
  toolName: string;
  output: { type: 'text'; value: string };
};

/** The call options of an AI SDK v6 model (`LanguageModelV3CallOptions`) this adapter sends. */
export interface AiSdkCallOptions {
  prompt: Array<
    | { role: 'system'; content: string }
    | { role: 'user'; content: Array<TextPart> }
    | { role: 'assistant'; content: Array<TextPart | ToolCallPart> }
    | { role: 'tool'; content: Array<ToolResultPart> }
  >;
  maxOutputTokens?: number;
  temperature?: number;
  stopSequences?: string[];
  topP?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseFormat?:
    | { type: 'text' }
    | { type: 'json'; schema?: Record<string, unknown>; name?: string };
  seed?: number;
  tools?: Array<{
    type: 'function';
    name: string;
    description?: string;
    inputSchema: Record<string, unknown>;
  }>;
  toolChoice?: { type: 'auto' | 'none' | 'required' } | { type: 'tool'; toolName: string };
  abortSignal?: AbortSignal;
}

export type TokenCount = number | { total: number | undefined } | undefined;

/** A provider warning (`SharedV3Warning`, or v2's `unsupported-setting`). */
export interface AiSdkWarning {
  type: string;
  feature?: string;
  setting?: string;
  details?: string;
  message?: string;
}

/**
 * The part of an AI SDK generate result (`LanguageModelV3GenerateResult`, and v4's, which adds
 * `structuredOutputText`) this adapter reads.
 */
export interface AiSdkGenerateResult {
  /** v4: the text that holds the structured output, when it is not every text part joined. */
  structuredOutputText?: string;
  content: ReadonlyArray<{
    type: string;
    text?: string;
    toolCallId?: string;
    toolName?: string;
    input?: string;
  }>;
  finishReason: string | { unified: string };
  usage: { inputTokens: TokenCount; outputTokens: TokenCount };
  response?: { modelId?: string | undefined } | undefined;
  warnings?: ReadonlyArray<AiSdkWarning>;
}

/** The stream parts of an AI SDK v6 stream (`LanguageModelV3StreamPart`) this adapter reads. */
export type AiSdkStreamPart =
  | { type: 'stream-start'; warnings?: ReadonlyArray<AiSdkWarning> }
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
  | { type: 'response-metadata'; modelId?: string | undefined }
  | {
      type: 'finish';
      usage: { inputTokens: TokenCount; outputTokens: TokenCount };
      finishReason: string | { unified: string };
    }
  | { type: 'error'; error: unknown }
  | { type: string };

export function tokens(count: TokenCount): number | undefined {
  if (typeof count === 'number') return Number.isFinite(count) && count >= 0 ? count : undefined;
  const total = count?.total;
  return typeof total === 'number' && Number.isFinite(total) && total >= 0 ? total : undefined;
}

const FINISH_REASONS: Readonly<Record<string, LanguageModelResponse['finishReason']>> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content-filter',
  'tool-calls': 'tool-calls',
  error: 'error',
};

export function finishReasonOf(reason: unknown): LanguageModelResponse['finishReason'] {
  const unified =
    typeof reason === 'string' ? reason : (reason as { unified?: unknown } | null)?.unified;
  // Own entries only; a reason this adapter does not know (v4's `interrupted`) is `other`.
  return typeof unified === 'string' && Object.hasOwn(FINISH_REASONS, unified)
    ? (FINISH_REASONS[unified] as LanguageModelResponse['finishReason'])
    : 'other';
}

/** A warning as one line: what was not honoured, and why. */
export function warningText(warning: AiSdkWarning): string {
  const what = warning.feature ?? warning.setting;
  const details = warning.details ?? warning.message;
  if (what !== undefined)
    return `${warning.type}: ${what}${details === undefined ? '' : ` (${details})`}`;
  return `${warning.type}: ${details ?? 'no details'}`;
}

function parseInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toMessage(
  message: LanguageModelMessage,
  names: ReadonlyMap<string, string>,
): AiSdkCallOptions['prompt'][number] {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return { role: 'user', content: [{ type: 'text', text: message.content }] };
    case 'assistant':
      return {
        role: 'assistant',
        content: [
          ...(message.content === '' ? [] : [{ type: 'text' as const, text: message.content }]),
          ...(message.toolCalls ?? []).map((call) => ({
            type: 'tool-call' as const,
            toolCallId: call.id,
            toolName: call.name,
            input: parseInput(call.arguments),
          })),
        ],
      };
    default:
      return {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: message.toolCallId as string,
            toolName: names.get(message.toolCallId as string) ?? 'unknown',
            output: { type: 'text', value: message.content },
          },
        ],
      };
  }
}

/** The call options for a request (tool results name their tool, as the AI SDK wants). */
export function toCallOptions(
  request: LanguageModelRequest,
  capabilities: { jsonMode: boolean; structuredOutput: boolean },
): AiSdkCallOptions {
  const names = new Map<string, string>();
  for (const message of request.messages) {
    for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  }
  const call: AiSdkCallOptions = {
    prompt: request.messages.map((message) => toMessage(message, names)),
  };
  if (request.maxTokens !== undefined) call.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) call.temperature = request.temperature;
  if (request.stop !== undefined) call.stopSequences = request.stop;
  if (request.topP !== undefined) call.topP = request.topP;
  if (request.presencePenalty !== undefined) call.presencePenalty = request.presencePenalty;
  if (request.frequencyPenalty !== undefined) call.frequencyPenalty = request.frequencyPenalty;
  if (request.seed !== undefined) call.seed = request.seed;
  if (request.responseFormat === 'json' && capabilities.jsonMode) {
    const schema = capabilities.structuredOutput ? request.responseSchema : undefined;
    call.responseFormat =
      schema === undefined
        ? { type: 'json' }
        : { type: 'json', schema: schema.schema, name: schema.name };
  }
  if (request.tools !== undefined && request.tools.length > 0) {
    call.tools = request.tools.map((tool) => ({
      type: 'function',
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      inputSchema: tool.parameters,
    }));
    const choice = request.toolChoice;
    if (choice !== undefined) {
      call.toolChoice =
        typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.name };
    }
  }
  return call;
}

/** The tool calls among a result's content parts. */
export function toolCallsIn(content: AiSdkGenerateResult['content']): LanguageModelToolCall[] {
  const calls: LanguageModelToolCall[] = [];
  for (const part of content) {
    if (part.type === 'tool-call' && typeof part.toolName === 'string') {
      calls.push({
        id: part.toolCallId ?? `call_${calls.length}`,
        name: part.toolName,
        arguments: typeof part.input === 'string' ? part.input : JSON.stringify(part.input ?? {}),
      });
    }
  }
  return calls;
}
