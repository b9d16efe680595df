import type { LanguageModelMessage } from '@varplane/core';
import { INPUT_FIELDS_HEADING, OUTPUT_FIELDS_HEADING } from '../prompt-format';
import { extractJsonObject } from '../reply-parser';
import { COMPLETED_MARKER, readMarkedSections } from './markers';

/** A field as a prompt lists it. */
export interface ListedField {
  readonly name: string;
  /** The type as the prompt words it: `string`, `array of number`, `one of: "a", "b"`. */
  readonly typeHint: string;
  readonly optional: boolean;
}

/** What a prompt asks, read back from its messages the way a model reads them. */
export interface ReadPrompt {
  /** Whether the prompt is in this package's format (a system message listing output fields). */
  readonly structured: boolean;
  readonly instruction: string;
  readonly inputFields: readonly ListedField[];
  readonly outputFields: readonly ListedField[];
  readonly format: 'json' | 'markers' | 'text';
  readonly demos: readonly {
    readonly inputs: Readonly<Record<string, unknown>>;
    readonly outputs: Readonly<Record<string, unknown>> | undefined;
  }[];
  readonly inputs: Readonly<Record<string, unknown>>;
  /** True when the prompt ends with a request to fix an earlier reply. */
  readonly isRetry: boolean;
}

const FIELD_LINE = /^\d+\. `([A-Za-z_][A-Za-z0-9_]*)` \((.*?)\)(?::.*)?$/;
const REMINDER = /\n*Respond with (?:a JSON object holding|`)[^\n]*$/;

function readFieldList(system: string, heading: string): ListedField[] {
  const start = system.indexOf(heading);
  if (start < 0) return [];
  const fields: ListedField[] = [];
  for (const line of system
    .slice(start + heading.length)
    .split('\n')
    .slice(1)) {
    const match = FIELD_LINE.exec(line);
    if (match === null) break;
    const hint = match[2] as string;
    const optional = hint.endsWith(', optional');
    fields.push({
      name: match[1] as string,
      typeHint: optional ? hint.slice(0, -', optional'.length) : hint,
      optional,
    });
  }
  return fields;
}

/** Whether a value of this type is shown verbatim (text) rather than as JSON. */
export function isTextHint(hint: string): boolean {
  return hint === 'string' || hint.startsWith('one of: "');
}

function readValues(text: string, fields: readonly ListedField[]): Record<string, unknown> {
  const sections = readMarkedSections(text);
  const out: Record<string, unknown> = {};
  for (const [name, raw] of sections) {
    const field = fields.find((f) => f.name === name);
    if (field === undefined || isTextHint(field.typeHint)) {
      out[name] = raw;
      continue;
    }
    try {
      out[name] = JSON.parse(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

function hasMarkers(text: string): boolean {
  return /\[\[ ## [A-Za-z_][A-Za-z0-9_]* ## \]\]/.test(text);
}

/**
 * Reads a chat prompt back into instruction, fields, demos and inputs: the prompt format of
 * `formatPrompt`, which the simulated model understands the way a real model follows it. A prompt
 * in any other shape reads as unstructured, its last user message as the input `prompt`.
 */
export function readPrompt(
  messages: readonly LanguageModelMessage[],
  responseFormat: 'text' | 'json' | undefined,
): ReadPrompt {
  const system = messages[0]?.role === 'system' ? messages[0].content : '';
  const outputFields = readFieldList(system, OUTPUT_FIELDS_HEADING);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  if (outputFields.length === 0) {
    return {
      structured: false,
      instruction: system,
      inputFields: [],
      outputFields: [],
      format: responseFormat === 'json' ? 'json' : 'text',
      demos: [],
      inputs: { prompt: lastUser?.content ?? '' },
      isRetry: false,
    };
  }
  const inputFields = readFieldList(system, INPUT_FIELDS_HEADING);
  const headingAt = [INPUT_FIELDS_HEADING, OUTPUT_FIELDS_HEADING]
    .map((heading) => system.indexOf(heading))
    .filter((at) => at >= 0);
  const instruction = system.slice(0, Math.min(...headingAt)).trim();
  const format = system.includes(COMPLETED_MARKER) ? 'markers' : 'json';

  // The inputs are in the last user message with markers; later messages are a retry exchange.
  let inputsAt = messages.length - 1;
  while (
    inputsAt > 0 &&
    !(messages[inputsAt]?.role === 'user' && hasMarkers(messages[inputsAt]?.content ?? ''))
  ) {
    inputsAt--;
  }
  const demos: ReadPrompt['demos'][number][] = [];
  for (let i = 1; i + 1 < inputsAt; i += 2) {
    const user = messages[i];
    const assistant = messages[i + 1];
    if (user?.role !== 'user' || assistant?.role !== 'assistant') break;
    const outputs =
      format === 'json'
        ? extractJsonObject(assistant.content)
        : readValues(assistant.content, outputFields);
    demos.push({ inputs: readValues(user.content, inputFields), outputs });
  }
  const inputText = (messages[inputsAt]?.content ?? '').replace(REMINDER, '');
  return {
    structured: true,
    instruction,
    inputFields,
    outputFields,
    format,
    demos,
    inputs: readValues(inputText, inputFields),
    isRetry: inputsAt < messages.length - 1,
  };
}
