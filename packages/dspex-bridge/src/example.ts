import type { JsonValue } from '@varplane/core';
import { z } from 'zod';
import { parseOptions } from './internal/parse-options';

/** A record of JSON values: what an example's inputs and labels hold. */
export type JsonRecord = Readonly<Record<string, JsonValue>>;

/**
 * One example of a task: the inputs a program takes and the labels (expected outputs) a metric
 * compares against. Examples are plain JSON, so a demos variable can hold them and a configuration
 * with demos serializes exactly.
 */
export interface Example<I extends JsonRecord = JsonRecord, L extends JsonRecord = JsonRecord> {
  readonly inputs: I;
  readonly labels: L;
}

const recordSchema = z.record(z.string(), z.json());

/** The zod schema of an example; the schema of every demos variable a predictor declares. */
export const exampleSchema = z.strictObject({ inputs: recordSchema, labels: recordSchema });

/**
 * Makes an example, checking that inputs and labels are objects of JSON values.
 *
 * @example
 * const devset = [
 *   example({ question: 'What is 2 + 3?' }, { answer: '5' }),
 *   example({ question: 'What is 7 - 4?' }, { answer: '3' }),
 * ];
 */
export function example<I extends JsonRecord, L extends JsonRecord = Record<string, never>>(
  inputs: I,
  labels?: L,
): Example<I, L> {
  const parsed = parseOptions(exampleSchema, { inputs, labels: labels ?? {} }, 'example');
  return Object.freeze({
    inputs: Object.freeze(parsed.inputs) as I,
    labels: Object.freeze(parsed.labels) as L,
  });
}
