import type { Issue } from '@varplane/core';
import { formatIssues, toErrorInfo } from '@varplane/core/internal';
import { TelemetryOptionsError } from '../errors';
import type { Monitor } from '../monitor';
import { isFunction } from './parse';

const METHODS = [
  'latest',
  'history',
  'currentSpace',
  'agents',
  'alerts',
  'query',
  'collect',
] as const;

/**
 * Refuses anything but a monitor from `startMonitoring` before a server is built around it, so a
 * wrong first argument is a typed error at the call and not a TypeError on the first request.
 */
export function checkMonitor(value: unknown, subject: string): asserts value is Monitor {
  let issue: Issue | undefined;
  try {
    issue = monitorIssue(value);
  } catch (cause) {
    // A Proxy or a throwing getter: what cannot be read is not a monitor.
    issue = { path: 'monitor', message: `could not be read (${toErrorInfo(cause).message})` };
  }
  if (issue === undefined) return;
  throw new TelemetryOptionsError({
    code: 'TELEMETRY_INVALID_OPTIONS',
    message: `${subject}: ${formatIssues([issue])}`,
    issues: [issue],
  });
}

function monitorIssue(value: unknown): Issue | undefined {
  const message = 'must be a Monitor from startMonitoring()';
  if (typeof value !== 'object' || value === null) return { path: 'monitor', message, value };
  const m = value as Record<string, unknown>;
  for (const method of METHODS) {
    if (!isFunction(m[method])) {
      return {
        path: `monitor.${method}`,
        message: `must be a function: ${message}`,
        value: m[method],
      };
    }
  }
  const subscribable = (v: unknown) =>
    typeof v === 'object' && v !== null && isFunction((v as { subscribe?: unknown }).subscribe);
  for (const stream of ['metrics$', 'alerts$', 'insights$']) {
    if (!subscribable(m[stream])) {
      return {
        path: `monitor.${stream}`,
        message: `must be an observable: ${message}`,
        value: m[stream],
      };
    }
  }
  const options = m.options as Record<string, unknown> | undefined;
  if (typeof options !== 'object' || options === null || typeof options.clock !== 'object') {
    return {
      path: 'monitor.options',
      message: `must hold the resolved options: ${message}`,
      value: options,
    };
  }
  const space = m.space as Record<string, unknown> | undefined;
  if (
    typeof space !== 'object' ||
    space === null ||
    !subscribable(space.events$) ||
    !subscribable(space.space$)
  ) {
    return {
      path: 'monitor.space',
      message: `must be the monitored space: ${message}`,
      value: space,
    };
  }
  return undefined;
}
