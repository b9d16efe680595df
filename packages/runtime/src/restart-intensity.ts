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
  return { intensity, periodMs, times: [] };
}

/**
 * Records a restart at `now`. False when it is one too many: the supervisor must escalate instead
 * of restarting.
 */
export function recordRestart(window: RestartWindow, now: number): boolean {
  const { times } = window;
  const since = now - window.periodMs;
  let drop = 0;
  // Inclusive, as in OTP: a restart exactly `periodMs` ago still counts.
  while (drop < times.length && (times[drop] as number) < since) drop++;
  if (drop > 0) times.splice(0, drop);
  times.push(now);
  return times.length <= window.intensity;
}
