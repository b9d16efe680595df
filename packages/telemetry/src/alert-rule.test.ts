import { describe, expect, it } from 'vitest';
import {
  type AlertRule,
  type AlertState,
  actionDue,
  INITIAL_ALERT_STATE,
  levelFor,
  stepAlert,
} from './alert-rule';

const above: AlertRule = {
  metric: 'mailbox_depth',
  warning: 50,
  critical: 100,
  action: 'auto_scale',
  direction: 'above',
  clearMargin: 10,
  forWindows: 1,
  cooldownMs: 5_000,
  perAgent: false,
};
const below: AlertRule = {
  ...above,
  metric: 'aggregate_performance',
  warning: 0.8,
  critical: 0.5,
  direction: 'below',
  clearMargin: 0.05,
};

function run(rule: AlertRule, values: readonly number[]): string[] {
  let state: AlertState = INITIAL_ALERT_STATE;
  return values.map((value, i) => {
    state = stepAlert(state, value, rule, i * 1_000);
    return state.level;
  });
}

describe('stepAlert', () => {
  it('maps values to levels in both directions', () => {
    expect([49, 50, 99, 100].map((v) => levelFor(v, above))).toEqual([
      'ok',
      'warning',
      'warning',
      'critical',
    ]);
    expect([0.9, 0.8, 0.51, 0.5].map((v) => levelFor(v, below))).toEqual([
      'ok',
      'warning',
      'warning',
      'critical',
    ]);
  });

  it('does not flap on a value hovering at a threshold', () => {
    expect(run(above, [101, 99, 101, 95, 91, 89, 51, 49, 41, 39])).toEqual([
      'critical',
      'critical',
      'critical',
      'critical',
      'critical',
      'warning',
      'warning',
      'warning',
      'warning',
      'ok',
    ]);
  });

  it('applies the margin on the right side for a lower-is-worse metric', () => {
    expect(run(below, [0.49, 0.52, 0.56, 0.79, 0.84, 0.86])).toEqual([
      'critical',
      'critical',
      'warning',
      'warning',
      'warning',
      'ok',
    ]);
  });

  it('jumps straight to critical and waits forWindows before rising', () => {
    const slow = { ...above, forWindows: 2 };
    expect(run(slow, [200, 200, 0, 60, 60, 200])).toEqual([
      'ok',
      'critical',
      'ok',
      'ok',
      'warning',
      'warning',
    ]);
  });

  it('runs the action when critical and again only after the cooldown', () => {
    const critical: AlertState = { level: 'critical', streak: 0, since: 0 };
    expect(actionDue(critical, above, 0)).toBe(true);
    expect(actionDue({ ...critical, lastActionAt: 0 }, above, 4_999)).toBe(false);
    expect(actionDue({ ...critical, lastActionAt: 0 }, above, 5_000)).toBe(true);
    expect(actionDue({ ...critical, level: 'warning' }, above, 10_000)).toBe(false);
  });
});
