import {
  InvalidArgumentError,
  type Issue,
  VarplaneError,
  type VarplaneErrorOptions,
} from '@varplane/core';
import { describeValue, formatIssues, readField, toErrorInfo } from '@varplane/core/internal';

/**
 * Stable error codes of `@varplane/runtime`. Input errors use core's `INVALID_ARGUMENT`
 * ({@link InvalidArgumentError}), with the field path in every issue.
 */
export type RuntimeErrorCode =
  | 'AGENT_NOT_FOUND'
  | 'AGENT_NOT_RUNNING'
  | 'AGENT_ALREADY_EXISTS'
  | 'AGENT_CRASHED'
  | 'CALL_TIMEOUT'
  | 'CALL_NOT_ANSWERED'
  | 'REPLY_OUTSIDE_CALL'
  | 'MAILBOX_FULL'
  | 'NAME_TAKEN'
  | 'CODE_CHANGE_FAILED'
  | 'STEP_TIMEOUT'
  | 'BUDGET_EXHAUSTED'
  | 'RESTART_INTENSITY_EXCEEDED'
  | 'CHILD_START_FAILED'
  | 'CHILD_NOT_FOUND'
  | 'DIRECTIVE_INVALID'
  | 'DIRECTIVE_TIMEOUT'
  | 'SPACE_INVALID'
  | 'MIGRATE_NEEDS_CLUSTER'
  | 'SPACE_NOT_RUNNING'
  | 'ROLLBACK_FAILED'
  | 'RECOVERY_FAILED'
  | 'SYSTEM_STOPPED'
  | 'NO_AGENT_SELECTED'
  | 'CLUSTER_REQUIRED'
  | 'MAX_CONCURRENT_EXCEEDED'
  | 'RESOURCE_LIMIT_EXCEEDED'
  | 'AGENT_NOT_SUSPENDED'
  | 'AGENT_NOT_MOVABLE'
  | 'SNAPSHOT_INVALID'
  | 'NAME_RESOLVER_FAILED';

type Options = Omit<VarplaneErrorOptions, 'code'>;

// An error is made whatever it is given (it is often made while something else is going wrong):
// its fields are read once and safely, and its message describes values without calling them.

const isString = (value: unknown) => typeof value === 'string';
const isDefined = (value: unknown) => value !== undefined;

/** An id for a message: a string as is, anything else described. */
const idText = (value: unknown): string =>
  typeof value === 'string' ? value : describeValue(value);

/** Issues as given when they are well formed, else a description of what was given. */
function readIssues(issues: unknown): Issue[] {
  try {
    if (!Array.isArray(issues)) return [];
    return issues.map((issue: unknown): Issue => {
      const path = readField<string>(issue, 'path', isString) ?? '';
      const message = readField<string>(issue, 'message', isString) ?? describeValue(issue);
      const out: Issue = { path, message };
      const value = readField<unknown>(issue, 'value', isDefined);
      if (value !== undefined) out.value = value;
      return out;
    });
  } catch {
    return [{ path: '', message: describeValue(issues) }];
  }
}

/** An agent id or ref names no agent this runtime knows. */
export class AgentNotFoundError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string, options: Partial<Options> = {}) {
    super({
      code: 'AGENT_NOT_FOUND',
      message: readField(options, 'message', isString) ?? `no agent ${describeValue(agent)}`,
      cause: readField(options, 'cause', isDefined),
    });
    this.name = 'AgentNotFoundError';
    this.agent = agent;
  }
}

/** The agent exists but is not running (stopped, or stopping for good) and cannot take this. */
export class AgentNotRunningError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string, options: Partial<Options> = {}) {
    super({
      code: 'AGENT_NOT_RUNNING',
      message:
        readField(options, 'message', isString) ?? `agent ${describeValue(agent)} is not running`,
      cause: readField(options, 'cause', isDefined),
    });
    this.name = 'AgentNotRunningError';
    this.agent = agent;
  }
}

/** An agent with this id is already running. */
export class AgentAlreadyExistsError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string) {
    super({
      code: 'AGENT_ALREADY_EXISTS',
      message: `an agent ${describeValue(agent)} already exists`,
    });
    this.name = 'AgentAlreadyExistsError';
    this.agent = agent;
  }
}

/** The agent crashed while handling a call; `cause` is what it threw. */
export class AgentCrashedError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string, cause: unknown) {
    const why = toErrorInfo(cause).message;
    super({
      code: 'AGENT_CRASHED',
      message: `agent ${describeValue(agent)} crashed: ${why}`,
      cause,
    });
    this.name = 'AgentCrashedError';
    this.agent = agent;
  }
}

/** Calls that failed without a crash: no answer in time, or the handler never replied. */
export class CallError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string, options: VarplaneErrorOptions) {
    super(options);
    this.name = 'CallError';
    this.agent = agent;
  }
}

/** A call got no reply within its timeout. */
export class CallTimeoutError extends CallError {
  readonly timeoutMs: number;
  constructor(agent: string, timeoutMs: number) {
    super(agent, {
      code: 'CALL_TIMEOUT',
      message: `call to ${describeValue(agent)} got no reply within ${describeValue(timeoutMs)} ms`,
    });
    this.name = 'CallTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** The message was not queued: the agent's bounded mailbox was full (or dropped it). */
export class MailboxFullError extends VarplaneError {
  readonly agent: string;
  readonly capacity: number;
  constructor(agent: string, capacity: number, policy: 'reject' | 'drop_oldest') {
    super({
      code: 'MAILBOX_FULL',
      message:
        policy === 'reject'
          ? `mailbox of ${describeValue(agent)} is full (${describeValue(capacity)} messages); message rejected`
          : `mailbox of ${describeValue(agent)} is full (${describeValue(capacity)} messages); oldest message dropped`,
    });
    this.name = 'MailboxFullError';
    this.agent = agent;
    this.capacity = capacity;
  }
}

/** A registered name is already taken by another agent. */
export class NameTakenError extends VarplaneError {
  readonly agentName: string;
  constructor(name: string, holder: string) {
    super({
      code: 'NAME_TAKEN',
      message: `name ${describeValue(name)} is taken by ${describeValue(holder)}`,
    });
    this.name = 'NameTakenError';
    this.agentName = name;
  }
}

/**
 * A user step did not settle within its deadline: an `init` under a supervisor (the child spec's
 * `startTimeout`) or a hot swap's `codeChange` (`hotSwap`'s `timeout`). The agent is ended with
 * this error as its crash reason; its supervisor decides what follows.
 */
export class StepTimeoutError extends VarplaneError {
  readonly agent: string;
  readonly step: 'init' | 'codeChange';
  readonly timeoutMs: number;
  constructor(agent: string, step: 'init' | 'codeChange', timeoutMs: number) {
    super({
      code: 'STEP_TIMEOUT',
      message: `${idText(step)} of ${describeValue(agent)} did not settle within ${describeValue(timeoutMs)} ms`,
    });
    this.name = 'StepTimeoutError';
    this.agent = agent;
    this.step = step;
    this.timeoutMs = timeoutMs;
  }
}

/** The new behaviour's `codeChange` threw; the agent keeps its old behaviour and state. */
export class CodeChangeError extends VarplaneError {
  readonly agent: string;
  constructor(agent: string, cause: unknown) {
    const why = toErrorInfo(cause).message;
    super({
      code: 'CODE_CHANGE_FAILED',
      message: `hot swap of ${describeValue(agent)} failed: ${why}`,
      cause,
    });
    this.name = 'CodeChangeError';
    this.agent = agent;
  }
}

/**
 * A budget ran out: the pool cannot grant a reservation, or an agent's spending passed its limit.
 * Supervisors stop the agent by default (see `defaultDecider`).
 */
export class BudgetExhaustedError extends VarplaneError {
  readonly agent: string;
  readonly resource: string;
  readonly requested: number;
  readonly available: number;
  constructor(agent: string, resource: string, requested: number, available: number) {
    super({
      code: 'BUDGET_EXHAUSTED',
      message: `${describeValue(agent)} needs ${describeValue(requested)} ${idText(resource)} but only ${describeValue(available)} is available`,
    });
    this.name = 'BudgetExhaustedError';
    this.agent = agent;
    this.resource = resource;
    this.requested = requested;
    this.available = available;
  }
}

/** Supervision gave up: too many restarts, a child that would not start, an escalated error. */
export class SupervisionError extends VarplaneError {
  readonly supervisor: string;
  constructor(supervisor: string, options: VarplaneErrorOptions) {
    super(options);
    this.name = 'SupervisionError';
    this.supervisor = supervisor;
  }
}

/** More restarts than the supervisor's intensity within its period: it stops and fails upward. */
export class RestartIntensityExceededError extends SupervisionError {
  readonly restarts: number;
  readonly periodMs: number;
  constructor(supervisor: string, restarts: number, periodMs: number, cause?: unknown) {
    super(supervisor, {
      code: 'RESTART_INTENSITY_EXCEEDED',
      message: `supervisor ${describeValue(supervisor)} exceeded ${describeValue(restarts)} restart(s) in ${describeValue(periodMs)} ms`,
      cause,
    });
    this.name = 'RestartIntensityExceededError';
    this.restarts = restarts;
    this.periodMs = periodMs;
  }
}

/** Errors applying a directive to a running space. */
export class DirectiveError extends VarplaneError {
  readonly agent: string | undefined;
  constructor(options: VarplaneErrorOptions & { agent?: string }) {
    super(options);
    this.name = 'DirectiveError';
    this.agent = readField(options, 'agent', isString);
  }
}

/**
 * Starting `agent` would break a constraint of the orchestration variable `variableId`:
 * `MAX_CONCURRENT_EXCEEDED` (too many of its agents would run) or `RESOURCE_LIMIT_EXCEEDED`
 * (their declared resources would pass the variable's bound).
 */
export class ConstraintViolationError extends VarplaneError {
  readonly agent: string;
  readonly variableId: string;
  constructor(
    options: Omit<VarplaneErrorOptions, 'code'> & {
      code: 'MAX_CONCURRENT_EXCEEDED' | 'RESOURCE_LIMIT_EXCEEDED';
      agent: string;
      variableId: string;
    },
  ) {
    super(options);
    this.name = 'ConstraintViolationError';
    this.agent = readField(options, 'agent', isString) ?? '';
    this.variableId = readField(options, 'variableId', isString) ?? '';
  }
}

/** The space asks for something only many machines can do (a `cluster` scope, a distribution). */
export class ClusterRequiredError extends VarplaneError {
  constructor(message: string) {
    super({ code: 'CLUSTER_REQUIRED', message: idText(message) });
    this.name = 'ClusterRequiredError';
  }
}

/** A space failed validation and was not started; `issues` names every bad field by its path. */
export class SpaceValidationError extends InvalidArgumentError {
  constructor(spaceId: unknown, given: readonly Issue[]) {
    const issues = readIssues(given);
    super({
      code: 'SPACE_INVALID',
      message: `startSpace ${describeValue(spaceId)}: ${formatIssues(issues)}`,
      issues,
    });
    this.name = 'SpaceValidationError';
  }
}

/**
 * An operation of a running space could not do its part: a recovery (`RECOVERY_FAILED`), a
 * rollback (`ROLLBACK_FAILED`), a dispatch to a selection with no running agent (`NO_AGENT_SELECTED`).
 */
export class SpaceOperationError extends VarplaneError {
  constructor(options: VarplaneErrorOptions) {
    super(options);
    this.name = 'SpaceOperationError';
  }
}

/** A running space was asked to do something after `stop()`. */
export class SpaceNotRunningError extends VarplaneError {
  constructor(spaceId: string, operation: string) {
    super({
      code: 'SPACE_NOT_RUNNING',
      message: `${idText(operation)}: space ${describeValue(spaceId)} is stopped`,
    });
    this.name = 'SpaceNotRunningError';
  }
}

/** The actor system was shut down. */
export class SystemStoppedError extends VarplaneError {
  constructor(operation: string) {
    super({
      code: 'SYSTEM_STOPPED',
      message: `${idText(operation)}: the actor system is shut down`,
    });
    this.name = 'SystemStoppedError';
  }
}

/**
 * Moving an agent went wrong: `AGENT_NOT_SUSPENDED` (export or release before `suspend`),
 * `AGENT_NOT_MOVABLE` (a supervisor, an agent with children, or state or mail that is not
 * serializable), `SNAPSHOT_INVALID` (a snapshot `adopt` cannot use).
 */
export class MigrationError extends VarplaneError {
  readonly agent: string;
  constructor(
    agent: string,
    options: Options & { code: 'AGENT_NOT_SUSPENDED' | 'AGENT_NOT_MOVABLE' | 'SNAPSHOT_INVALID' },
  ) {
    super(options);
    this.name = 'MigrationError';
    this.agent = agent;
  }
}
