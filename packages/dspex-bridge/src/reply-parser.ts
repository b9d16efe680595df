import { formatIssues } from '@varplane/core/internal';
import { OutputParseError } from './errors';
import { readMarkedSections } from './internal/markers';
import { invalidArgument, toIssues } from './internal/parse-options';
import type { ReplyFormat } from './prompt-format';
import { checkSignature, type Signature, type SignatureField } from './signature';

const FENCE = /^```[A-Za-z]*\s*\n?([\s\S]*?)\n?```$/;

/** The JSON object in a reply: the whole reply, a fenced block, or the outermost braces. */
export function extractJsonObject(text: string): Record<string, unknown> | undefined {
  if (typeof text !== 'string')
    invalidArgument('extractJsonObject', 'text', 'must be a string', text);
  const trimmed = text.trim();
  const fenced = FENCE.exec(trimmed)?.[1];
  const candidates = [fenced ?? trimmed];
  const open = trimmed.indexOf('{');
  const close = trimmed.lastIndexOf('}');
  if (open >= 0 && close > open) candidates.push(trimmed.slice(open, close + 1));
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
    } catch {
      // Not this candidate; try the next.
    }
  }
  return undefined;
}

function fromMarkers(
  sig: Pick<Signature, 'outputFields'>,
  text: string,
): Record<string, unknown> | undefined {
  const sections = readMarkedSections(text);
  if (!sig.outputFields.some((field) => sections.has(field.name))) return undefined;
  const out: Record<string, unknown> = {};
  for (const field of sig.outputFields) {
    const raw = sections.get(field.name);
    if (raw !== undefined) out[field.name] = field.isText ? raw : readJsonOr(raw);
  }
  return out;
}

function readJsonOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

// Models write `"0.9"` for a number and `5` for a string; read what they meant.
function coerce(field: SignatureField, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (field.isText) {
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }
  return typeof value === 'string' ? readJsonOr(value.trim()) : value;
}

/**
 * Reads a model's reply as the signature's outputs: JSON first when the format is `json`, field
 * markers first when it is `markers`, the other as a fallback. Values of the wrong primitive type
 * are read leniently (`"0.9"` for a number). Throws an {@link OutputParseError} carrying the raw
 * text: `OUTPUT_PARSE_FAILED` when no output can be found, `OUTPUT_INVALID` when a field is
 * missing or does not validate.
 *
 * @example
 * parseReply(signature('question -> answer'), '{"answer": "5"}', 'json'); // { answer: '5' }
 */
export function parseReply<O>(sig: Signature<unknown, O>, text: string, format: ReplyFormat): O {
  checkSignature('parseReply', 'sig', sig);
  if (typeof text !== 'string') invalidArgument('parseReply', 'text', 'must be a string', text);
  if (format !== 'json' && format !== 'markers')
    invalidArgument('parseReply', 'format', "must be 'json' or 'markers'", format);
  const readers = [() => extractJsonObject(text), () => fromMarkers(sig, text)];
  if (format === 'markers') readers.reverse();
  let found: Record<string, unknown> | undefined;
  for (const read of readers) {
    found = read();
    if (found !== undefined) break;
  }
  if (found === undefined) {
    const expected = format === 'json' ? 'a JSON object' : 'field markers';
    throw new OutputParseError({
      code: 'OUTPUT_PARSE_FAILED',
      message: `reply holds neither ${expected} nor the other format for ${sig.text} (got ${JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)})`,
      rawText: text,
    });
  }
  const picked: Record<string, unknown> = {};
  for (const field of sig.outputFields) {
    if (Object.hasOwn(found, field.name)) picked[field.name] = coerce(field, found[field.name]);
  }
  const result = sig.outputSchema.safeParse(picked, { reportInput: true });
  if (!result.success) {
    const issues = toIssues(result.error);
    throw new OutputParseError({
      code: 'OUTPUT_INVALID',
      message: `reply does not match the outputs of ${sig.text}: ${formatIssues(issues)}`,
      rawText: text,
      issues,
    });
  }
  return result.data as O;
}
