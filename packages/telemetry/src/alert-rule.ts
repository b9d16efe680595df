import type { ALERT_ACTIONS } from '@varplane/core';
import { z } from 'zod';
import { parseOptions } from './internal/parse';

/** What an alert does when it turns critical. */
export type AlertAction = (typeof ALERT_ACTIONS)[number];

export type AlertLevel = 'ok' | 'warning' | 'critical';

/** A threshold with every default filled in. */
export interface AlertRule {
  /** A tracked series (`mailbox_depth`, `latency.p99`), or a per-agent metric. */
  readonly metric: string;
  readonly warning: number;
  readonly critical: number;
  readonly action: AlertAction;
  /** `above`: higher is worse. Inferred from `warning > critical` when not given. */
  readonly direction: 'above' | 'below';
  /** How far back past a threshold the value must go before the alert lowers (hysteresis). */
  readonly clearMargin: number;
  /** Consecutive windows past a threshold before the alert rises. */
  readonly forWindows: number;
  /** Least time between two runs of the action for one alert. */
  readonly cooldownMs: number;
  /** Watch each agent apart, so the action knows which agent to act on. */
  readonly perAgent: boolean;
  /** The agent `restart_agent` acts on when the alert is team-wide. */
  readonly agent?: string;
  /** For `notify`: where to POST the alert as JSON. */
  readonly notifyUrl?: string;
}

/** Where one alert stands between windows. */
export interface AlertState {
  readonly level: AlertLevel;
  /** Consecutive windows the value asked for a higher level than the current one. */
  readonly streak: number;
  /** When the current level began. */
  readonly since: number;
  /** When the action last ran for this alert. */
  readonly lastActionAt?: number;
}

const RANK: Record<AlertLevel, number> = { ok: 0, warning: 1, critical: 2 };

export const INITIAL_ALERT_STATE: AlertState = { level: 'ok', streak: 0, since: 0 };

const numberSchema = z.number().refine((v) => !Number.isNaN(v), 'must be a number, not NaN');
const thresholdsSchema = z
  .object({ warning: numberSchema, critical: numberSchema, direction: z.enum(['above', 'below']) })
  .passthrough();
const ruleSchema = thresholdsSchema.extend({
  clearMargin: z.number().finite().nonnegative(),
  forWindows: z.number().int().positive(),
});
const stateSchema = z
  .object({
    level: z.enum(['ok', 'warning', 'critical']),
    streak: z.number().int().nonnegative(),
    since: z.number().finite(),
    lastActionAt: z.number().finite().optional(),
  })
  .passthrough();

/** The level a value asks for, with no memory. */
export function levelFor(
  value: number,
  rule: Pick<AlertRule, 'warning' | 'critical' | 'direction'>,
): AlertLevel {
  parseOptions(numberSchema, value, 'levelFor: value');
  parseOptions(thresholdsSchema, rule, 'levelFor: rule');
  if (rule.direction === 'above') {
    return value >= rule.critical ? 'critical' : value >= rule.warning ? 'warning' : 'ok';
  }
  return value <= rule.critical ? 'critical' : value <= rule.warning ? 'warning' : 'ok';
}

/**
 * One window's step of an alert, a pure function. The level rises only after `forWindows`
 * windows past a threshold, and falls only once the value is `clearMargin` back past it, so a
 * value hovering at a threshold cannot make the alert flap.
 */
export function stepAlert(
  state: AlertState,
  value: number,
  rule: AlertRule,
  at: number,
): AlertState {
  parseOptions(stateSchema, state, 'stepAlert: state');
  parseOptions(ruleSchema, rule, 'stepAlert: rule');
  parseOptions(z.number().finite(), at, 'stepAlert: at');
  const raw = levelFor(value, rule);
  if (RANK[raw] > RANK[state.level]) {
    const streak = state.streak + 1;
    if (streak < rule.forWindows) return { ...state, streak };
    return { ...state, level: raw, streak: 0, since: at };
  }
  const shifted = rule.direction === 'above' ? value + rule.clearMargin : value - rule.clearMargin;
  const held = levelFor(shifted, rule);
  const next = RANK[held] < RANK[state.level] ? held : state.level;
  return next === state.level
    ? { ...state, streak: 0 }
    : { ...state, level: next, streak: 0, since: at };
}

/**
 * Whether the action runs now: the alert is critical and the action has not run within the
 * cooldown. Staying critical past the cooldown runs it again, since the last remedy did not hold.
 */
export function actionDue(state: AlertState, rule: AlertRule, at: number): boolean {
  if (state.level !== 'critical') return false;
  return state.lastActionAt === undefined || at - state.lastActionAt >= rule.cooldownMs;
}
