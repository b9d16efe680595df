import type { AdaptationEvent, MultiAgentSpace, PerformanceMetrics } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import type { Alert, AlertActionRunner } from './alert-engine';
import type { AlertRule } from './alert-rule';
import { AlertActionError } from './errors';
import { parseOptions } from './internal/parse';
import type { MonitoredSpace } from './monitored-space';

export interface AlertActionContext {
  readonly space: MonitoredSpace;
  /** The latest measured metrics, handed to `adaptSystem` by `rebalance_resources`. */
  readonly metrics: () => PerformanceMetrics;
  /** Where `log` writes. */
  readonly log: (line: string, alert: Alert) => void;
  /** What `notify` calls when the rule has no `notifyUrl`. */
  readonly notify?: (alert: Alert) => unknown;
}

/**
 * One line for a log: `[varplane] CRITICAL mailbox_depth@coder = 120 (>= 100): auto_scale`, or for
 * a team-wide alert `[varplane] CRITICAL errors = 18 (>= 3), worst planner: log`.
 */
const alertSchema = z
  .object({
    id: z.string(),
    level: z.enum(['ok', 'warning', 'critical']),
    value: z.number(),
    threshold: z.number(),
    direction: z.enum(['above', 'below']),
    action: z.string(),
    agent: z.string().optional(),
  })
  .passthrough();

export function formatAlert(alert: Alert): string {
  parseOptions(alertSchema, alert, 'formatAlert: alert');
  const sign = alert.direction === 'above' ? '>=' : '<=';
  const worst =
    alert.agent !== undefined && !alert.id.includes('@') ? `, worst ${alert.agent}` : '';
  return `[varplane] ${alert.level.toUpperCase()} ${alert.id} = ${Number(alert.value.toFixed(4))} (${sign} ${alert.threshold})${worst}: ${alert.action}`;
}

// A running space answers an operation with its new value: the last adaptation event says what
// the operation did.
function summarize(result: unknown): string {
  if (result === undefined || result === null) return 'done';
  const history = (result as Partial<MultiAgentSpace>).adaptationHistory;
  const last = Array.isArray(history) ? (history.at(-1) as AdaptationEvent | undefined) : undefined;
  if (last === undefined) return describeValue(result);
  const changes = last.changes
    .map((c) => `${c.variableId} ${describeValue(c.oldValue)} → ${describeValue(c.newValue)}`)
    .join(', ');
  return `${last.outcome}${changes === '' ? '' : `: ${changes}`}`;
}

async function post(url: string, alert: Alert): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ alert }),
  });
  if (!response.ok) {
    throw new AlertActionError('notify', {
      message: `notify: POST ${url} answered ${response.status} ${response.statusText}`,
    });
  }
  return `posted to ${url} (${response.status})`;
}

/**
 * The actions alerts take, each through the running space's own operations:
 *
 * - `log`: writes {@link formatAlert}'s line;
 * - `notify`: POSTs `{ alert }` as JSON to the rule's `notifyUrl`, or calls `notify`;
 * - `auto_scale`: runs the space's scaling policies (`space.autoScale()`);
 * - `restart_agent`: recovers the alert's agent by the space's fault-recovery policy
 *   (`space.handleAgentFailure(agent, reason)`);
 * - `rebalance_resources`: adapts the orchestration variables to the latest metrics
 *   (`space.adaptSystem(metrics)`).
 */
export function createAlertActions(context: AlertActionContext): AlertActionRunner {
  return async (alert: Alert, rule: AlertRule) => {
    switch (rule.action) {
      case 'log':
        context.log(formatAlert(alert), alert);
        return 'logged';
      case 'notify':
        if (rule.notifyUrl !== undefined) return post(rule.notifyUrl, alert);
        if (context.notify === undefined) {
          throw new AlertActionError('notify', {
            message: `notify for alert ${alert.id}: no notifyUrl on the rule and no notify callback`,
          });
        }
        await context.notify(alert);
        return 'notified';
      case 'auto_scale':
        return `autoScale ${summarize(await context.space.autoScale())}`;
      case 'restart_agent': {
        const agent = alert.agent;
        if (agent === undefined) {
          throw new AlertActionError('restart_agent', {
            message: `restart_agent for alert ${alert.id}: no agent to restart (set the rule's agent or perAgent)`,
          });
        }
        const reason = {
          name: 'AlertTriggered',
          message: `alert ${alert.id} is critical: ${alert.metric} = ${alert.value}`,
        };
        await context.space.handleAgentFailure(agent, reason);
        return `restarted ${agent}`;
      }
      case 'rebalance_resources':
        return `adaptSystem ${summarize(await context.space.adaptSystem(context.metrics()))}`;
    }
  };
}
