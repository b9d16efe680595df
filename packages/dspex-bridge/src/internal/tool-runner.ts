import {
  type Clock,
  type LanguageModelMessage,
  type LanguageModelTool,
  type LanguageModelToolCall,
  languageModelToolSchema,
} from '@varplane/core';
import { z } from 'zod';
import { timeoutSchema } from './deadline';
import { invalidArgument, isVarplaneError, parseOptions, readable } from './parse-options';
import { programAborted, runUserCode } from './user-code';

/** What a tool handler is told about the call it serves. */
export interface ToolContext {
  /** Fires when the tool's deadline passes or the program's call is aborted. */
  readonly signal: AbortSignal;
  /** The id the model gave this call. */
  readonly callId: string;
  readonly agentId: string;
  readonly runId: string;
}

/** A tool a model may call: how it is described to the model, and the code that serves it. */
export interface ToolDefinition {
  readonly description?: string;
  /** The JSON Schema of the arguments, shown to the model. The handler checks what it gets. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /**
   * Serves one call with the parsed JSON arguments. What it returns is the tool result the model
   * sees (a string as it is, anything else as JSON); what it throws is shown to the model as an
   * error result, so the model can try again.
   */
  readonly handler: (args: unknown, context: ToolContext) => unknown;
  /** This tool's deadline, in ms (default the predictor's `toolTimeoutMs`). */
  readonly timeoutMs?: number;
}

/** One tool call a step of a tool loop made, as its trace records it. */
export interface ToolCallRecord {
  readonly id: string;
  readonly name: string;
  /** The arguments as the model wrote them. */
  readonly arguments: string;
  /** What the model was shown: the result, or the error. */
  readonly content: string;
  /** Set when the call failed: an unknown tool, arguments that are not JSON, a throw, a timeout. */
  readonly error?: { readonly code: string; readonly message: string };
}

export const toolDefinitionSchema = z.strictObject({
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()),
  handler: z.custom<ToolDefinition['handler']>(
    (v) => typeof v === 'function',
    'must be a function',
  ),
  timeoutMs: timeoutSchema.optional(),
});

/** The tools of a predictor, checked, by name. */
export interface ToolSet {
  readonly definitions: readonly LanguageModelTool[];
  readonly byName: ReadonlyMap<string, ToolDefinition>;
}

/** Checks `tools` (a record of definitions by tool name) into a {@link ToolSet}. */
export function toolSet(subject: string, tools: unknown): ToolSet {
  const record = parseOptions(
    z.custom<object>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'must be an object of tools by name',
    ),
    tools,
    subject,
    'INVALID_ARGUMENT',
    'tools',
  );
  let entries: [string, unknown][];
  try {
    entries = Object.entries(record);
  } catch (cause) {
    return invalidArgument(subject, 'tools', `could not be read (${readable(cause)})`, undefined);
  }
  if (entries.length === 0) invalidArgument(subject, 'tools', 'must hold at least one tool', tools);
  const byName = new Map<string, ToolDefinition>();
  const definitions: LanguageModelTool[] = [];
  for (const [name, given] of entries) {
    const tool = parseOptions(
      toolDefinitionSchema,
      given,
      subject,
      'INVALID_ARGUMENT',
      `tools.${name}`,
    ) as ToolDefinition;
    const definition = parseOptions(
      languageModelToolSchema,
      {
        name,
        parameters: tool.parameters,
        ...(tool.description === undefined ? {} : { description: tool.description }),
      },
      subject,
      'INVALID_ARGUMENT',
      `tools.${name}`,
    );
    byName.set(name, tool);
    definitions.push(definition);
  }
  return { definitions, byName };
}

interface RunToolsOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly agentId: string;
  readonly runId: string;
  readonly name: string;
}

/**
 * Serves a step's tool calls, at once: each under its deadline, each failure turned into an error
 * result for the model. Only an abort of the program's call ends the loop instead.
 */
export async function runToolCalls(
  tools: ToolSet,
  calls: readonly LanguageModelToolCall[],
  options: RunToolsOptions,
): Promise<{ records: ToolCallRecord[]; messages: LanguageModelMessage[] }> {
  const records = await Promise.all(calls.map((call) => runOne(tools, call, options)));
  return {
    records,
    messages: records.map((record) => ({
      role: 'tool' as const,
      toolCallId: record.id,
      content: record.content,
    })),
  };
}

async function runOne(
  tools: ToolSet,
  call: LanguageModelToolCall,
  options: RunToolsOptions,
): Promise<ToolCallRecord> {
  const failed = (code: string, message: string): ToolCallRecord => ({
    id: call.id,
    name: call.name,
    arguments: call.arguments,
    content: `Error (${code}): ${message}`,
    error: { code, message },
  });
  const tool = tools.byName.get(call.name);
  if (tool === undefined) {
    return failed(
      'TOOL_UNKNOWN',
      `there is no tool ${JSON.stringify(call.name)}; tools: ${[...tools.byName.keys()].join(', ')}`,
    );
  }
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return failed(
      'TOOL_ARGUMENTS_INVALID',
      `the arguments are not JSON: ${call.arguments.slice(0, 200)}`,
    );
  }
  const timeoutMs = tool.timeoutMs ?? options.timeoutMs;
  let result: unknown;
  try {
    result = await runUserCode(
      `${options.name}: tool ${call.name}`,
      {
        clock: options.clock,
        timeoutMs,
        signal: options.signal,
        aborted: (reason) => programAborted(options.name, reason),
      },
      (signal) =>
        tool.handler(args, {
          signal,
          callId: call.id,
          agentId: options.agentId,
          runId: options.runId,
        }),
    );
  } catch (error) {
    if (options.signal?.aborted) throw error;
    if (isVarplaneError(error)) return failed(error.code, error.message);
    return failed('CALLBACK_FAILED', readable(error));
  }
  if (typeof result === 'string')
    return { id: call.id, name: call.name, arguments: call.arguments, content: result };
  let content: string | undefined;
  try {
    content = JSON.stringify(result);
  } catch (cause) {
    return failed('TOOL_RESULT_INVALID', `the result is not JSON (${readable(cause)})`);
  }
  return { id: call.id, name: call.name, arguments: call.arguments, content: content ?? 'null' };
}
