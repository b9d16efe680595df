import {
  InvalidArgumentError,
  type Issue,
  VarplaneError,
  type VarplaneErrorOptions,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { readField } from './internal/read-field';

/**
 * Stable error codes of `@varplane/telemetry`. Bad options to a public entry point use
 * `TELEMETRY_INVALID_OPTIONS`, with the field path and the offending value in the message and in
 * `issues`.
 */
export type TelemetryErrorCode =
  | 'TELEMETRY_INVALID_OPTIONS'
  | 'MONITOR_STOPPED'
  | 'STORAGE_FAILED'
  | 'STORAGE_OUT_OF_ORDER'
  | 'SQLITE_UNAVAILABLE'
  | 'ALERT_ACTION_FAILED'
  | 'SERVER_START_FAILED';

/** Options given to a telemetry entry point are malformed. */
export class TelemetryOptionsError extends InvalidArgumentError {
  constructor(options: VarplaneErrorOptions & { issues?: readonly Issue[] }) {
    super(options);
    this.name = 'TelemetryOptionsError';
  }
}

// Error constructors must make their error whatever they are given: a hostile argument (a throwing
// getter, a Proxy) becomes part of the message instead of escaping.
function text(value: unknown): string {
  return typeof value === 'string' ? value : describeValue(value);
}
function messageAndCause(options: unknown): { message: string; cause?: unknown } {
  const message = readField(options, 'message');
  const cause = readField(options, 'cause');
  return {
    message: typeof message === 'string' ? message : text(message),
    ...(cause === undefined ? {} : { cause }),
  };
}

/** A monitor was used after `stop()`. */
export class MonitorStoppedError extends VarplaneError {
  constructor(operation: string) {
    super({ code: 'MONITOR_STOPPED', message: `${text(operation)}: the monitor is stopped` });
    this.name = 'MonitorStoppedError';
  }
}

/** A metric store could not open, write or read; `cause` is the driver's error. */
export class StorageError extends VarplaneError {
  constructor(options: VarplaneErrorOptions) {
    super(options);
    this.name = 'StorageError';
  }
}

/** An alert's action was tried and failed; carried in `alert-action-failed` events, not thrown. */
export class AlertActionError extends VarplaneError {
  readonly action: string;
  constructor(action: string, options: Omit<VarplaneErrorOptions, 'code'>) {
    super({ ...messageAndCause(options), code: 'ALERT_ACTION_FAILED' });
    this.name = 'AlertActionError';
    this.action = text(action);
  }
}

/** The dashboard or the Prometheus endpoint could not listen. */
export class ServerStartError extends VarplaneError {
  constructor(options: Omit<VarplaneErrorOptions, 'code'>) {
    super({ ...messageAndCause(options), code: 'SERVER_START_FAILED' });
    this.name = 'ServerStartError';
  }
}
