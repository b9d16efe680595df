import type { LanguageModelUsage } from './language-model';

/**
 * What one agent took in and gave out for one step of a task. Teleprompters read traces to build
 * demonstrations; telemetry reads them to attribute cost and latency.
 */
export interface TraceRecord {
  /** The agent that took the step. */
  agentId: string;
  /** Groups the steps of one task run across agents. */
  runId: string;
  step: number;
  input: Readonly<Record<string, unknown>>;
  output: Readonly<Record<string, unknown>> | undefined;
  /** The variable values the agent ran with. */
  configuration: Readonly<Record<string, unknown>>;
  startedAt: number;
  endedAt: number;
  usage?: LanguageModelUsage;
  error?: { code: string; message: string };
}
