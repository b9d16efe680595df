import type { LanguageModelMessage } from '@varplane/core';
import { z } from 'zod';
import { type Example, exampleSchema } from './example';
import { COMPLETED_MARKER, marker, renderValue } from './internal/markers';
import { parseOptions } from './internal/parse-options';
import { checkSignature, type Signature, type SignatureField } from './signature';

/**
 * How a reply is asked for: `json` (one JSON object; structured output where the model supports
 * it) or `markers` (each field after a `[[ ## name ## ]]` line).
 */
export type ReplyFormat = 'json' | 'markers';

/** Headings of the system message; the simulated model reads prompts by them. */
export const INPUT_FIELDS_HEADING = 'Your input fields are:';
export const OUTPUT_FIELDS_HEADING = 'Your output fields are:';

/** What {@link formatPrompt} turns into chat messages. */
export interface PromptParts {
  /** The task instruction; the signature's instructions when absent. */
  readonly instruction?: string;
  readonly demos?: readonly Example[];
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly format: ReplyFormat;
}

function describeFields(fields: readonly SignatureField[]): string {
  return fields
    .map((field, i) => {
      const type = field.optional ? `${field.typeHint}, optional` : field.typeHint;
      const description = field.description === '' ? '' : `: ${field.description}`;
      return `${i + 1}. \`${field.name}\` (${type})${description}`;
    })
    .join('\n');
}

function formatRule(sig: Signature, format: ReplyFormat): string {
  if (format === 'json') {
    const keys = sig.outputFields.map((f) => `"${f.name}" (${f.typeHint})`).join(', ');
    return `Reply with one JSON object with the keys ${keys}, and nothing else.`;
  }
  const lines = sig.outputFields.map((f) => `${marker(f.name)}\n{${f.name}}`);
  return [
    'Reply with each output field after its marker, in this order, then the completed marker:',
    '',
    ...lines.flatMap((line) => [line, '']),
    COMPLETED_MARKER,
  ].join('\n');
}

const formatSchema = z.enum(['json', 'markers']);

/** The system message: instruction, the fields, and how to reply. */
export function formatSystemMessage(
  sig: Signature,
  instruction: string,
  format: ReplyFormat,
): string {
  const subject = 'formatSystemMessage';
  checkSignature(subject, 'sig', sig);
  parseOptions(z.string(), instruction, subject, 'INVALID_ARGUMENT', 'instruction');
  parseOptions(formatSchema, format, subject, 'INVALID_ARGUMENT', 'format');
  return systemMessage(sig, instruction, format);
}

/** {@link formatSystemMessage} for arguments known to be good. */
export function systemMessage(sig: Signature, instruction: string, format: ReplyFormat): string {
  const parts = [instruction.trim()];
  if (sig.inputFields.length > 0)
    parts.push(`${INPUT_FIELDS_HEADING}\n${describeFields(sig.inputFields)}`);
  parts.push(`${OUTPUT_FIELDS_HEADING}\n${describeFields(sig.outputFields)}`);
  parts.push(formatRule(sig, format));
  return parts.join('\n\n');
}

/** A user message holding input values, each after its marker. */
export function formatInputs(sig: Signature, inputs: Readonly<Record<string, unknown>>): string {
  const blocks: string[] = [];
  for (const field of sig.inputFields) {
    const value = inputs[field.name];
    if (value === undefined) continue;
    blocks.push(`${marker(field.name)}\n${renderValue(value)}`);
  }
  return blocks.join('\n\n');
}

/** An assistant message holding output values in the reply format. */
export function formatOutputs(
  sig: Signature,
  outputs: Readonly<Record<string, unknown>>,
  format: ReplyFormat,
): string {
  if (format === 'json') {
    const picked: Record<string, unknown> = {};
    for (const field of sig.outputFields) {
      if (outputs[field.name] !== undefined) picked[field.name] = outputs[field.name];
    }
    return JSON.stringify(picked);
  }
  const blocks: string[] = [];
  for (const field of sig.outputFields) {
    const value = outputs[field.name];
    if (value !== undefined) blocks.push(`${marker(field.name)}\n${renderValue(value)}`);
  }
  blocks.push(COMPLETED_MARKER);
  return blocks.join('\n\n');
}

/** The reminder closing the last user message. */
export function formatReminder(sig: Signature, format: ReplyFormat): string {
  const names = sig.outputFields.map((f) => `\`${f.name}\``).join(', ');
  return format === 'json'
    ? `Respond with a JSON object holding ${names}.`
    : `Respond with ${names}, each after its marker, ending with ${COMPLETED_MARKER}.`;
}

/**
 * Turns a signature, an instruction, demos and inputs into chat messages: a system message (the
 * instruction, the fields and how to reply), one user/assistant pair per demo, and a user message
 * with the inputs. Demo labels missing a field are shown without it.
 *
 * @example
 * const messages = formatPrompt(signature('question -> answer'), {
 *   inputs: { question: 'What is 2 + 3?' },
 *   demos: [example({ question: 'What is 1 + 1?' }, { answer: '2' })],
 *   format: 'json',
 * });
 */
export function formatPrompt(sig: Signature, parts: PromptParts): LanguageModelMessage[] {
  const subject = 'formatPrompt';
  checkSignature(subject, 'sig', sig);
  const checked = parseOptions(partsSchema, parts, subject, 'INVALID_ARGUMENT', 'parts');
  const inputValues = parseOptions(
    sig.inputSchema,
    checked.inputs,
    subject,
    'INPUT_INVALID',
    'parts.inputs',
  ) as Readonly<Record<string, unknown>>;
  return promptMessages(sig, { ...checked, inputs: inputValues } as PromptParts);
}

const partsSchema = z.strictObject({
  instruction: z.string().optional(),
  demos: z.array(exampleSchema).optional(),
  inputs: z.record(z.string(), z.unknown()),
  format: formatSchema,
});

function promptMessages(sig: Signature, parts: PromptParts): LanguageModelMessage[] {
  const messages: LanguageModelMessage[] = [
    {
      role: 'system',
      content: systemMessage(sig, parts.instruction ?? sig.instructions, parts.format),
    },
  ];
  for (const demo of parts.demos ?? []) {
    messages.push({ role: 'user', content: formatInputs(sig, demo.inputs) });
    messages.push({ role: 'assistant', content: formatOutputs(sig, demo.labels, parts.format) });
  }
  const inputs = formatInputs(sig, parts.inputs);
  const reminder = formatReminder(sig, parts.format);
  messages.push({ role: 'user', content: inputs === '' ? reminder : `${inputs}\n\n${reminder}` });
  return messages;
}
