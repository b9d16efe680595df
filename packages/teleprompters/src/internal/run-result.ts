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
