import {
  InvalidArgumentError,
  type Issue,
  VarplaneError,
  type VarplaneErrorOptions,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';

/**
 * Stable error codes of `@varplane/teleprompters`. Bad options use core's `INVALID_ARGUMENT`
 * through {@link OptimizerInputError}, with the field path in every issue.
 */
export type TelepromptersErrorCode =
  | 'INVALID_ARGUMENT'
  | 'TRAINSET_EMPTY'
  | 'TRAINSET_TOO_SMALL'
  | 'TEAM_SPACE_INVALID'
  | 'TEAM_SPACE_NOT_SEARCHABLE'
  | 'TEAM_CONFIG_INVALID'
  | 'TEAM_CONFIG_VERSION_UNSUPPORTED'
  | 'TEAM_CONFIG_SPACE_MISMATCH'
  | 'OPTIMIZATION_ABORTED'
  | 'CHECKPOINT_MISMATCH'
  | 'CHECKPOINT_CORRUPT'
  | 'CHECKPOINT_IO_FAILED'
  | 'TEAM_RUN_FAILED'
  | 'METRIC_FAILED'
  | 'METRIC_INVALID_SCORE'
  | 'METRIC_TIMEOUT'
  | 'TEAM_RUN_TIMEOUT'
  | 'TEAM_RUNNER_INVALID_RESULT'
  | 'MUTATION_TIMEOUT'
  | 'BUDGET_EXHAUSTED';

/**
 * An optimizer or evaluation was called with something it cannot use: malformed options, an empty
 * trainset, a team with nothing to search. The message names the field path and the value.
 */
export class OptimizerInputError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'OptimizerInputError';
  }
}

/** Builds an {@link OptimizerInputError} for one field. */
export function inputError(
  code: TelepromptersErrorCode,
  subject: string,
  path: string,
  message: string,
  value: unknown,
  cause?: unknown,
): OptimizerInputError {
  return new OptimizerInputError({
    code,
    message: `${subject}: ${path === '' ? '(input)' : path} ${message} (got ${describeValue(value)})`,
    issues: [{ path, message, value }],
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A team configuration does not fit the team it is applied to, or its text is not one. */
export class TeamConfigError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'TeamConfigError';
  }
}

/**
 * The optimization was cancelled through its `AbortSignal`. Every run that had finished is in the
 * checkpoint (when one was given), so the same call resumes where this one stopped.
 */
export class OptimizationAbortedError extends VarplaneError {
  /** Team runs finished before the abort (and saved, when there is a checkpoint). */
  readonly completedRuns: number;
  constructor(options: { optimizer: string; completedRuns: number; cause?: unknown }) {
    const { optimizer, completedRuns, cause } = readAbortOptions(options);
    super({
      code: 'OPTIMIZATION_ABORTED',
      message: `${optimizer}: aborted after ${completedRuns} completed team runs`,
      cause,
    });
    this.name = 'OptimizationAbortedError';
    this.completedRuns = completedRuns;
  }
}

/** A checkpoint could not be read or written, or belongs to another run. */
export class CheckpointError extends VarplaneError {
  constructor(options: VarplaneErrorOptions) {
    super(options);
    this.name = 'CheckpointError';
  }
}

/**
 * The team runner broke its contract: `runner.run` resolved to something that is not a
 * `TeamRunResult` (not an object, no `usage`, negative or non-finite token counts). The
 * optimization stops with this error, since every later run would be as unusable. A runner that
 * throws or rejects is different: that run fails (code `TEAM_RUN_FAILED`) and the search goes on.
 */
export class TeamRunnerError extends VarplaneError {
  constructor(options: VarplaneErrorOptions) {
    super(options);
    this.name = 'TeamRunnerError';
  }
}

/** Reads an error's options defensively: building an error must never throw. */
function readAbortOptions(options: unknown): {
  optimizer: string;
  completedRuns: number;
  cause: unknown;
} {
  try {
    const given =
      typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
    const runs = given.completedRuns;
    return {
      optimizer: typeof given.optimizer === 'string' ? given.optimizer : 'optimizer',
      completedRuns: typeof runs === 'number' && Number.isInteger(runs) && runs >= 0 ? runs : 0,
      cause: given.cause,
    };
  } catch (cause) {
    return { optimizer: 'optimizer', completedRuns: 0, cause };
  }
}
