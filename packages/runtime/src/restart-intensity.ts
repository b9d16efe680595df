import { InvalidArgumentError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';

/**
 * The restarts a supervisor made recently. OTP's rule: more than `intensity` restarts within any
 * `periodMs` window means the children cannot be kept up, and the supervisor must give up.
 */
export interface RestartWindow {
  readonly intensity: number;
  readonly periodMs: number;
  /** Clock times of the restarts still inside the window, oldest first. */
  readonly times: number[];
}

export function createRestartWindow(intensity: number, periodMs: number): RestartWindow {
  checkCount('createRestartWindow', 'intensity', intensity);
  checkCount('createRestartWindow', 'periodMs', periodMs);
  return { intensity, periodMs, times: [] };
}

function invalid(operation: string, path: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: ${path} must be ${expected} (got ${describeValue(value)})`,
    issues: [{ path, message: `must be ${expected}`, value }],
  });
}

function checkCount(operation: string, path: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0)) invalid(operation, path, 'a number >= 0', value);
}

/** The window's parts, read once; the window itself is what `recordRestart` updates. */
function readWindow(window: unknown): { intensity: number; periodMs: number; times: number[] } {
  if (typeof window !== 'object' || window === null)
    invalid('recordRestart', 'window', 'a restart window', window);
  let parts: { intensity: unknown; periodMs: unknown; times: unknown };
  try {
    const { intensity, periodMs, times } = window as RestartWindow;
    parts = { intensity, periodMs, times };
  } catch {
    return invalid('recordRestart', 'window', 'a readable restart window', window);
  }
  checkCount('recordRestart', 'window.intensity', parts.intensity);
  checkCount('recordRestart', 'window.periodMs', parts.periodMs);
  const { times } = parts;
  if (!Array.isArray(times) || !times.every((t) => typeof t === 'number'))
    invalid('recordRestart', 'window.times', 'an array of clock times', times);
  return { intensity: parts.intensity, periodMs: parts.periodMs, times };
}

/**
 * Records a restart at `now`. False when it is one too many: the supervisor must escalate instead
 * of restarting.
 */
export function recordRestart(given: RestartWindow, now: number): boolean {
  const window = readWindow(given);
  if (typeof now !== 'number' || !Number.isFinite(now))
    invalid('recordRestart', 'now', 'a finite clock time', now);
  const { times } = window;
  const since = now - window.periodMs;
  let drop = 0;
  // Inclusive, as in OTP: a restart exactly `periodMs` ago still counts.
  while (drop < times.length && (times[drop] as number) < since) drop++;
  if (drop > 0) times.splice(0, drop);
  times.push(now);
  return times.length <= window.intensity;
}
