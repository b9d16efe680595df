import type { TraceRecord } from '@varplane/core';
import { formatIssues } from '@varplane/core/internal';
import { z } from 'zod';
import { TeamRunnerError } from '../errors';
import type { TeamRunResult } from '../team-runner';
import { toIssues } from './parse';

const count = z.number().nonnegative();
const record = z.record(z.string(), z.unknown());
const errorInfo = z.object({ code: z.string(), message: z.string() });

const usageSchema = z.object({
  inputTokens: count,
  outputTokens: count,
  totalTokens: count,
  cost: count.optional(),
});

const traceSchema = z.looseObject({
  agentId: z.string(),
  input: record,
  output: record.optional(),
  usage: usageSchema.optional(),
  error: errorInfo.optional(),
});

/** What a runner must resolve to; zod's numbers already refuse NaN and the infinities. */
const runResultSchema = z.object({
  output: record.optional(),
  traces: z.array(traceSchema),
  usage: usageSchema,
  messages: count.optional(),
  memoryBytes: count.optional(),
  error: errorInfo.optional(),
});

/**
 * Checks what `runner.run` resolved to, or throws a {@link TeamRunnerError}
 * (`TEAM_RUNNER_INVALID_RESULT`) naming the field and the value. Getters that throw and values
 * that are not plain data count as invalid too.
 */
export function checkRunResult(optimizer: string, value: unknown): TeamRunResult {
  // Most runners return plain, valid data: checked by hand, that costs a few microseconds a run
  // instead of a schema's copy of every trace. Anything else takes the schema's path, which
  // names what is wrong.
  if (isPlainRunResult(value)) return value as TeamRunResult;
  let parsed: ReturnType<typeof runResultSchema.safeParse>;
  try {
    parsed = runResultSchema.safeParse(value, { reportInput: true });
  } catch (error) {
    throw new TeamRunnerError({
      code: 'TEAM_RUNNER_INVALID_RESULT',
      message: `${optimizer}: runner.run resolved to a value that cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  if (parsed.success) {
    const result = parsed.data;
    return { ...result, traces: result.traces as unknown as TraceRecord[] } as TeamRunResult;
  }
  let detail: string;
  try {
    detail = formatIssues(toIssues(parsed.error, 'result'));
  } catch {
    detail = 'result is not a TeamRunResult';
  }
  throw new TeamRunnerError({
    code: 'TEAM_RUNNER_INVALID_RESULT',
    message: `${optimizer}: runner.run must resolve to a TeamRunResult: ${detail}`,
  });
}

const isPlain = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};
const isCount = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
const isOptionalCount = (value: unknown) => value === undefined || isCount(value);
const isUsage = (value: unknown) =>
  isPlain(value) &&
  isCount(value.inputTokens) &&
  isCount(value.outputTokens) &&
  isCount(value.totalTokens) &&
  isOptionalCount(value.cost);
const isErrorInfo = (value: unknown) =>
  isPlain(value) && typeof value.code === 'string' && typeof value.message === 'string';
const isTrace = (value: unknown) =>
  isPlain(value) &&
  typeof value.agentId === 'string' &&
  isPlain(value.input) &&
  (value.output === undefined || isPlain(value.output)) &&
  (value.usage === undefined || isUsage(value.usage)) &&
  (value.error === undefined || isErrorInfo(value.error));

/** Whether `value` is a valid run result made of plain objects (never throws). */
function isPlainRunResult(value: unknown): boolean {
  try {
    return (
      isPlain(value) &&
      (value.output === undefined || isPlain(value.output)) &&
      Array.isArray(value.traces) &&
      value.traces.every(isTrace) &&
      isUsage(value.usage) &&
      isOptionalCount(value.messages) &&
      isOptionalCount(value.memoryBytes) &&
      (value.error === undefined || isErrorInfo(value.error))
    );
  } catch {
    return false;
  }
}
