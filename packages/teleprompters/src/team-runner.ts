import type {
  Configuration,
  LanguageModelUsage,
  MultiAgentSpace,
  TraceRecord,
} from '@varplane/core';
import type { TeamExample } from './team-example';

/** The most one team run may spend; the runner must stop (and fail the run) before going past it. */
export interface RunLimits {
  readonly tokens?: number;
  readonly cost?: number;
}

/** What the optimizer asks of a {@link TeamRunner}: run this candidate team on this example. */
export interface TeamRunRequest {
  /** The team with the candidate configuration applied (by `applyTeamConfig`). */
  readonly space: MultiAgentSpace;
  /** The candidate, as values of the joint team space (`team.topology`, `coder.temperature`). */
  readonly configuration: Configuration;
  readonly example: TeamExample;
  /** Which example of the optimizer's examples this is. */
  readonly exampleIndex: number;
  /** Seeds the run's randomness (LM sampling): the same seed gives the same run. */
  readonly seed: number;
  /**
   * Unique within the optimization and the same on every replay of it: pass it on as the LM
   * requests' `rolloutId`, so repeated identical prompts stay distinct and replayable.
   */
  readonly runId: string;
  readonly limits: RunLimits;
  /** Agents that must fail when they are asked to work (fault-tolerance measurement). */
  readonly faults: readonly string[];
  /** Fires when the optimization is cancelled; the runner should stop promptly. */
  readonly signal: AbortSignal;
}

/** What one team run produced. */
export interface TeamRunResult {
  /** The team's answer; `undefined` when it produced none. */
  readonly output: Readonly<Record<string, unknown>> | undefined;
  /** One record per agent step, in order: what each agent took in and gave out. */
  readonly traces: readonly TraceRecord[];
  readonly usage: LanguageModelUsage;
  /** Messages the agents sent each other (not the runner's own calls to them). */
  readonly messages?: number;
  /** Peak memory the run took, in bytes, as measured by the runner (omit it when it does not). */
  readonly memoryBytes?: number;
  /** Set when the team failed to finish the task. */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * The evaluation port: runs one candidate team on one example. `@varplane/teleprompters` ships
 * runners over `@varplane/runtime`; a test can implement it with a plain function.
 */
export interface TeamRunner {
  run(request: TeamRunRequest): Promise<TeamRunResult>;
}

/**
 * Scores one run against its example: a number (higher is better, usually in [0, 1]) or a boolean
 * (1 or 0). A metric that throws, rejects or returns a non-finite number counts as a failed run
 * scored 0; it never stops the optimization.
 */
export type TeamMetric = (
  example: TeamExample,
  run: TeamRunResult,
) => number | boolean | Promise<number | boolean>;
