import { InvalidArgumentError } from '@varplane/core';
import { formatIssues } from '@varplane/core/internal';
import { OutputParseError } from '../errors';
import type { Signature } from '../signature';
import { toIssues } from './parse-options';

/** A program's inputs, checked against its signature (`INPUT_INVALID` names every bad field). */
export function checkInputs<I>(name: string, sig: Signature<I, unknown>, inputs: unknown): I {
  const checked = sig.inputSchema.safeParse(inputs, { reportInput: true });
  if (checked.success) return checked.data as I;
  const issues = toIssues(checked.error);
  throw new InvalidArgumentError({
    code: 'INPUT_INVALID',
    message: `${name}: inputs do not match ${sig.text}: ${formatIssues(issues)}`,
    issues,
  });
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
  const result = sig.outputSchema.safeParse(output, { reportInput: true });
  if (result.success) return result.data as O;
  const issues = toIssues(result.error);
  throw new OutputParseError({
    code: 'OUTPUT_INVALID',
    message: `${name}: ${source} returned outputs that do not match ${sig.text}: ${formatIssues(issues)}`,
    rawText: JSON.stringify(output) ?? String(output),
    issues,
  });
}
