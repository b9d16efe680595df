import { describeValue, formatIssues } from '@varplane/core/internal';
import { OutputParseError } from '../errors';
import type { Signature } from '../signature';
import { parseOptions, readable, readWith } from './parse-options';

/** A program's inputs, checked against its signature (`INPUT_INVALID` names every bad field). */
export function checkInputs<I>(name: string, sig: Signature<I, unknown>, inputs: unknown): I {
  return parseOptions(
    sig.inputSchema,
    inputs,
    `${name}: inputs do not match ${sig.text}`,
    'INPUT_INVALID',
  ) as I;
}

/**
 * What plain code (`forward` of a composed program, `run` of a function program) returned, checked
 * against the signature's outputs: `OUTPUT_INVALID`, carrying the output as raw text.
 */
export function checkOutputs<O>(
  name: string,
  sig: Signature<unknown, O>,
  output: unknown,
  source: string,
): O {
  const result = readWith(sig.outputSchema, output);
  if (result.ok) return result.data as O;
  if (result.issues === undefined) {
    throw new OutputParseError({
      code: 'OUTPUT_INVALID',
      message: `${name}: ${source} returned outputs that cannot be read (${readable(result.cause)})`,
      rawText: describeValue(output),
      issues: [{ path: '', message: 'could not be read' }],
      cause: result.cause,
    });
  }
  throw new OutputParseError({
    code: 'OUTPUT_INVALID',
    message: `${name}: ${source} returned outputs that do not match ${sig.text}: ${formatIssues(result.issues)}`,
    rawText: rawText(output),
    issues: result.issues,
  });
}

function rawText(output: unknown): string {
  try {
    return JSON.stringify(output) ?? describeValue(output);
  } catch {
    // Cyclic, or a bigint inside.
    return describeValue(output);
  }
}
