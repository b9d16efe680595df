const marker = Symbol.for('varplane.error');

/** Stable error codes of `@varplane/core`. Other packages add their own, documented beside them. */
export type CoreErrorCode =
  | 'INVALID_ARGUMENT'
  | 'VARIABLE_INVALID_OPTIONS'
  | 'VARIABLE_RANGE_INVERTED'
  | 'VARIABLE_DEFAULT_INVALID'
  | 'VARIABLE_EMPTY_CHOICES'
  | 'VARIABLE_DUPLICATE_CHOICE'
  | 'SPACE_DUPLICATE_VARIABLE'
  | 'SPACE_UNKNOWN_DEPENDENCY'
  | 'SPACE_DEPENDENCY_CYCLE'
  | 'CONFIGURATION_INVALID'
  | 'CONFIGURATION_MALFORMED_JSON'
  | 'SAMPLING_EXHAUSTED'
  | 'STRATEGY_INVALID'
  | 'STRATEGY_DUPLICATE'
  | 'STRATEGY_NOT_FOUND'
  | 'STRATEGY_KIND_MISMATCH'
  | 'ORCHESTRATION_INVALID_OPTIONS'
  | 'ORCHESTRATION_INVALID_VALUE'
  | 'ORCHESTRATION_UNSUPPORTED_OPTION'
  | 'COORDINATION_FAILED'
  | 'COORDINATION_INVALID_RESULT'
  | 'ADAPTATION_FAILED'
  | 'ADAPTATION_INVALID_RESULT'
  | 'SPACE_AGENT_DUPLICATE'
  | 'SPACE_AGENT_UNKNOWN'
  | 'SPACE_VARIABLE_DUPLICATE'
  | 'SPACE_VARIABLE_UNKNOWN'
  | 'SPACE_EDGE_INVALID'
  | 'SPACE_EVENT_UNKNOWN'
  | 'CLOCK_CALLBACK_FAILED';

export interface VarplaneErrorOptions {
  code: string;
  message: string;
  cause?: unknown;
}

/**
 * The base of every error varplane throws. `code` is stable across releases; the message names the
 * field path and the offending value.
 *
 * Use {@link VarplaneError.isInstance} instead of `instanceof`: it still works when two copies of
 * a varplane package end up in one program.
 */
export class VarplaneError extends Error {
  readonly [marker] = true;
  readonly code: string;

  constructor(options: VarplaneErrorOptions) {
    const { code, message, cause } = readOptions(options);
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'VarplaneError';
    this.code = code;
  }

  /** True for any varplane error, optionally of one code. */
  static isInstance(error: unknown, code?: string): error is VarplaneError {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true &&
      (code === undefined || (error as VarplaneError).code === code)
    );
  }
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]*$/;

// An error must be made whatever it is given: a bad option becomes part of its message, and its
// code falls back to `INVALID_ARGUMENT`, so throwing one never throws something else.
function readOptions(options: unknown): { code: string; message: string; cause?: unknown } {
  let code: unknown;
  let message: unknown;
  let cause: unknown;
  try {
    if (typeof options === 'object' && options !== null) {
      ({ code, message, cause } = options as VarplaneErrorOptions);
    }
  } catch {
    // A throwing getter: keep the fallbacks.
  }
  const stable = typeof code === 'string' && STABLE_CODE.test(code);
  const text = typeof message === 'string' ? message : 'varplane error';
  return {
    code: stable ? (code as string) : 'INVALID_ARGUMENT',
    message: stable ? text : `${text} (the error was made with code ${describeValue(code)})`,
    ...(cause === undefined ? {} : { cause }),
  };
}

/** One problem found in an input, with the path of the field that holds it. */
export interface Issue {
  /** Field path, `temperature` or `agents.coder.resources.memory`; empty for the input itself. */
  path: string;
  message: string;
  /** The offending value, when there is one. */
  value?: unknown;
}

/** An input was malformed: a wrong type, a missing field, a value out of its domain. */
export class InvalidArgumentError extends VarplaneError {
  readonly issues: readonly Issue[];
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'InvalidArgumentError';
    this.issues = readField(options, 'issues', Array.isArray) ?? [];
  }
}

/** A variable's own definition is wrong (a range with min > max, a default outside its range). */
export class VariableDefinitionError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'VariableDefinitionError';
  }
}

/** A variable space cannot be built (duplicate ids, unknown dependencies, a dependency cycle). */
export class SpaceDefinitionError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'SpaceDefinitionError';
  }
}

/** A configuration does not satisfy its space. `issues` lists every problem, each with its path. */
export class ConfigurationError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'ConfigurationError';
  }
}

/** Sampling gave up after its bounded number of attempts. */
export class SamplingError extends VarplaneError {
  readonly attempts: number;
  readonly issues: readonly Issue[];
  constructor(options: VarplaneErrorOptions & { attempts: number; issues: readonly Issue[] }) {
    super(options);
    this.name = 'SamplingError';
    this.attempts = readField(options, 'attempts', (v) => typeof v === 'number') ?? 0;
    this.issues = readField(options, 'issues', Array.isArray) ?? [];
  }
}

/** A strategy could not be registered or found. */
export class StrategyRegistryError extends VarplaneError {
  constructor(options: VarplaneErrorOptions) {
    super(options);
    this.name = 'StrategyRegistryError';
  }
}

/** Coordination or adaptation of an orchestration variable failed or returned garbage. */
export class OrchestrationError extends VarplaneError {
  readonly variableId: string | undefined;
  constructor(options: VarplaneErrorOptions & { variableId?: string }) {
    super(options);
    this.name = 'OrchestrationError';
    this.variableId = readField(options, 'variableId', (v) => typeof v === 'string');
  }
}

/** A multi-agent space transition was refused (unknown agent, duplicate variable, bad edge). */
export class SpaceTransitionError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'SpaceTransitionError';
  }
}

/** One more field of an error's options, when it is there and of the right type. */
export function readField<T>(
  options: unknown,
  key: string,
  is: (value: unknown) => boolean,
): T | undefined {
  try {
    if (typeof options !== 'object' || options === null) return undefined;
    const value = (options as Record<string, unknown>)[key];
    return is(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Renders a value for an error message: short, and never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') {
    try {
      return `function ${value.name || '(anonymous)'}`;
    } catch {
      return 'function (unreadable)';
    }
  }
  if (typeof value === 'bigint') return `${value}n`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      // A Proxy whose every trap throws can be described by its type alone.
      return `[${typeof value}]`;
    }
  }
}

/** Joins issues into one readable message: `field: problem (got value)`. */
export function formatIssues(issues: readonly Issue[]): string {
  return issues
    .map((issue) => {
      const where = issue.path === '' ? '(input)' : issue.path;
      const got = 'value' in issue ? ` (got ${describeValue(issue.value)})` : '';
      return `${where}: ${issue.message}${got}`;
    })
    .join('; ');
}
