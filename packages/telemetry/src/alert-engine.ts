import type { Clock, ErrorInfo } from '@varplane/core';
import { toErrorInfo } from '@varplane/core/internal';
import {
  type AlertAction,
  type AlertLevel,
  type AlertRule,
  type AlertState,
  actionDue,
  INITIAL_ALERT_STATE,
  stepAlert,
} from './alert-rule';
import { AlertActionError } from './errors';
import { PER_AGENT_ALERT_FIELDS, type PerAgentAlertMetric } from './metric-catalogue';
import type { AgentSnapshot, MetricsSnapshot } from './metrics-snapshot';

/** An alert as it stands. `id` is the metric, or `metric@agent` for per-agent alerts. */
export interface Alert {
  readonly id: string;
  readonly metric: string;
  /** The agent it is about: its own for per-agent alerts, the worst one for team-wide ones. */
  readonly agent?: string;
  readonly level: AlertLevel;
  readonly value: number;
  /** The threshold of the current level (the warning one for `ok`). */
  readonly threshold: number;
  readonly direction: 'above' | 'below';
  readonly action: AlertAction;
  /** When the current level began. */
  readonly since: number;
  readonly at: number;
}

/** What `alerts$` carries: level changes, and what became of each action. */
export type AlertEvent =
  | { readonly type: 'alert-raised'; readonly alert: Alert; readonly previous: AlertLevel }
  | { readonly type: 'alert-lowered'; readonly alert: Alert; readonly previous: AlertLevel }
  | { readonly type: 'alert-resolved'; readonly alert: Alert; readonly previous: AlertLevel }
  | {
      readonly type: 'alert-action-applied';
      readonly alert: Alert;
      readonly action: AlertAction;
      readonly detail: string;
    }
  | {
      readonly type: 'alert-action-failed';
      readonly alert: Alert;
      readonly action: AlertAction;
      readonly error: ErrorInfo;
    }
  | {
      readonly type: 'alert-action-skipped';
      readonly alert: Alert;
      readonly action: AlertAction;
      readonly reason: 'cooldown';
      /** When the action may run again. */
      readonly retryAt: number;
    };

/** Runs an alert's action; resolves with a line saying what it did. */
export type AlertActionRunner = (alert: Alert, rule: AlertRule) => Promise<string>;

export interface AlertEngineOptions {
  readonly rules: readonly AlertRule[];
  readonly clock: Clock;
  readonly emit: (event: AlertEvent) => void;
  readonly run: AlertActionRunner;
  /** An action still running after this long is reported failed (it keeps running). */
  readonly actionTimeoutMs: number;
}

export interface AlertEngine {
  /** Steps every alert on a window's values and starts the actions that are due. */
  evaluate(snapshot: MetricsSnapshot): void;
  /** Alerts at warning or critical. */
  active(): Alert[];
  /** Resolves once every action started so far has finished or timed out. */
  settled(): Promise<void>;
}

function agentValue(agent: AgentSnapshot, metric: string): number | undefined {
  const field = PER_AGENT_ALERT_FIELDS[metric as PerAgentAlertMetric];
  return field === undefined ? undefined : (agent[field] as number);
}

// For a team-wide alert, the agent that contributes the worst value of the metric.
function worstAgent(snapshot: MetricsSnapshot, rule: AlertRule): string | undefined {
  const base = rule.metric.split('.')[0] as string;
  let worst: string | undefined;
  let worstValue = 0;
  for (const agent of Object.values(snapshot.agents)) {
    const value = agentValue(agent, base);
    if (value === undefined) continue;
    const worse = rule.direction === 'above' ? value > worstValue : value < worstValue;
    if (worst === undefined || worse) {
      worst = agent.agent;
      worstValue = value;
    }
  }
  return worst;
}

export function createAlertEngine(options: AlertEngineOptions): AlertEngine {
  const { clock, emit, run, actionTimeoutMs } = options;
  const states = new Map<string, AlertState>();
  const current = new Map<string, Alert>();
  const inFlight = new Set<Promise<void>>();

  const startAction = (alert: Alert, rule: AlertRule) => {
    const task = new Promise<string>((resolve, reject) => {
      const timer = clock.setTimeout(
        () =>
          reject(
            new AlertActionError(rule.action, {
              message: `${rule.action} for alert ${alert.id} did not finish within ${actionTimeoutMs} ms`,
            }),
          ),
        actionTimeoutMs,
      );
      run(alert, rule).then(
        (detail) => {
          clock.clearTimeout(timer);
          resolve(detail);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
    }).then(
      (detail) => emit({ type: 'alert-action-applied', alert, action: rule.action, detail }),
      (error: unknown) =>
        emit({
          type: 'alert-action-failed',
          alert,
          action: rule.action,
          error: toErrorInfo(error),
        }),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const step = (
    id: string,
    rule: AlertRule,
    value: number,
    at: number,
    agent: string | undefined,
  ) => {
    const before = states.get(id) ?? INITIAL_ALERT_STATE;
    let after = stepAlert(before, value, rule, at);
    const threshold = after.level === 'critical' ? rule.critical : rule.warning;
    const alert: Alert = {
      id,
      metric: rule.metric,
      ...(agent === undefined ? {} : { agent }),
      level: after.level,
      value,
      threshold,
      direction: rule.direction,
      action: rule.action,
      since: after.since,
      at,
    };
    if (after.level !== before.level) {
      const type =
        after.level === 'ok'
          ? 'alert-resolved'
          : after.level === 'critical' || before.level === 'ok'
            ? 'alert-raised'
            : 'alert-lowered';
      emit({ type, alert, previous: before.level });
    }
    if (after.level === 'ok') current.delete(id);
    else current.set(id, alert);

    if (actionDue(after, rule, at)) {
      after = { ...after, lastActionAt: at };
      startAction(alert, rule);
    } else if (after.level === 'critical' && before.level !== 'critical') {
      emit({
        type: 'alert-action-skipped',
        alert,
        action: rule.action,
        reason: 'cooldown',
        retryAt: (after.lastActionAt ?? at) + rule.cooldownMs,
      });
    }
    states.set(id, after);
  };

  return {
    evaluate(snapshot) {
      for (const rule of options.rules) {
        if (rule.perAgent) {
          for (const agent of Object.values(snapshot.agents)) {
            const value = agentValue(agent, rule.metric);
            if (value !== undefined) {
              step(`${rule.metric}@${agent.agent}`, rule, value, snapshot.at, agent.agent);
            }
          }
          continue;
        }
        const value = snapshot.series[rule.metric];
        if (value === undefined) continue;
        step(rule.metric, rule, value, snapshot.at, rule.agent ?? worstAgent(snapshot, rule));
      }
    },
    active: () => [...current.values()],
    async settled() {
      while (inFlight.size > 0) await Promise.all(inFlight);
    },
  };
}
