import { ALERT_ACTIONS, type Clock, systemClock, VarplaneError } from '@varplane/core';
import { idRecord, toErrorInfo } from '@varplane/core/internal';
import { z } from 'zod';
import { type AggregationSpec, aggregationSpecSchema, seriesOf } from './aggregation';
import type { Alert } from './alert-engine';
import type { AlertRule } from './alert-rule';
import { TelemetryOptionsError } from './errors';
import { type InsightOptions, insightOptionsSchema } from './insights';
import { isFunction, parseOptions } from './internal/parse';
import { createMemoryStore } from './memory-store';
import {
  BUILT_IN_METRICS,
  DEFAULT_TRACKED_METRICS,
  defaultAggregation,
  isBuiltInMetric,
  PER_AGENT_ALERT_FIELDS,
} from './metric-catalogue';
import type { MetricStore } from './metric-store';
import type { MonitoredSpace } from './monitored-space';
import { createSqliteStore } from './sqlite-store';

const metricName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'must be lower_snake_case, dotted for sub-series');

const thresholdSchema = z
  .object({
    warning: z.number(),
    critical: z.number(),
    action: z.enum(ALERT_ACTIONS),
    direction: z.enum(['above', 'below']).optional(),
    clearMargin: z.number().nonnegative().optional(),
    forWindows: z.number().int().positive().default(1),
    cooldownMs: z.number().int().nonnegative().default(60_000),
    perAgent: z.boolean().default(false),
    agent: z.string().min(1).optional(),
    notifyUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

/** One alert threshold as written: the card's `{ warning, critical, action }` plus tuning. */
export type AlertThreshold = z.input<typeof thresholdSchema>;

const isStore = (value: unknown): value is MetricStore =>
  typeof value === 'object' &&
  value !== null &&
  isFunction((value as MetricStore).append) &&
  isFunction((value as MetricStore).query) &&
  isFunction((value as MetricStore).close);

const storageSchema = z.union([
  z.custom<MetricStore>(isStore, 'must be a MetricStore or { backend: "memory" | "sqlite" }'),
  z
    .object({
      backend: z.literal('memory'),
      capacity: z.number().int().positive().optional(),
      retentionMs: z.number().positive().optional(),
    })
    .strict(),
  z
    .object({
      backend: z.literal('sqlite'),
      path: z.string().min(1).default('varplane-metrics.db'),
      retentionMs: z.number().positive().optional(),
    })
    .strict(),
]);

const clockSchema = z.custom<Clock>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    isFunction((v as Clock).now) &&
    isFunction((v as Clock).setTimeout) &&
    isFunction((v as Clock).clearTimeout),
  'must be a Clock ({ now, setTimeout, clearTimeout })',
);

const optionsSchema = z
  .object({
    collectionIntervalMs: z.number().int().positive().default(1_000),
    metricsToTrack: z.array(metricName).default([...DEFAULT_TRACKED_METRICS]),
    // Keyed by metric names: a `__proto__` key is refused below as untracked, not dropped.
    aggregation: idRecord(aggregationSpecSchema).default(() => Object.create(null)),
    units: idRecord(
      z.string().regex(/^[a-zA-Z0-9_/{}%.]+$/, 'must be a unit such as ms, s, By, {token}'),
    ).default(() => Object.create(null)),
    alertThresholds: idRecord(thresholdSchema).default(() => Object.create(null)),
    storage: storageSchema.default({ backend: 'memory' }),
    clock: clockSchema.default(systemClock),
    /** Options of `generateInsights`, or `false` to generate none. */
    insights: z
      .union([z.literal(false), insightOptionsSchema])
      .default(() => insightOptionsSchema.parse({})),
    /** Windows kept in memory for insights and the dashboard. */
    historyWindows: z.number().int().min(3).default(120),
    log: z
      .custom<(line: string, alert: Alert) => void>(isFunction, 'must be a function')
      .optional(),
    notify: z.custom<(alert: Alert) => unknown>(isFunction, 'must be a function').optional(),
    actionTimeoutMs: z.number().int().positive().default(10_000),
  })
  .strict();

/**
 * What `startMonitoring` takes. Core's `TelemetryConfig` (the card's `telemetry_config`) is a
 * valid value; the fields past it tune the monitor.
 */
export interface MonitorOptions {
  /** Milliseconds per collection window (default 1,000). */
  collectionIntervalMs?: number;
  /** Built-in metrics (see `BUILT_IN_METRICS`) or user metrics fed by `monitor.record`. */
  metricsToTrack?: readonly string[];
  /** Per metric; defaults per `BUILT_IN_METRICS`, `average` for user metrics. */
  aggregation?: Readonly<Record<string, AggregationSpec>>;
  /**
   * Units of user metrics (`{ latency: 'ms' }`), so exporters name and scale them: a duration
   * (`ns`, `us`, `ms`, `s`, `min`) is exported in seconds, as a histogram when aggregated as
   * `percentile`. Built-in metrics have theirs (see `BUILT_IN_METRICS`).
   */
  units?: Readonly<Record<string, string>>;
  /** Keyed by a tracked series (`mailbox_depth`, `latency.p99`) or, with `perAgent`, a metric. */
  alertThresholds?: Readonly<Record<string, AlertThreshold>>;
  /**
   * A store, or `{ backend: 'memory' | 'sqlite' }` (default: a memory ring buffer). A store given
   * here stays open when the monitor stops; one the monitor opened is closed with it.
   */
  storage?:
    | MetricStore
    | { backend: 'memory'; capacity?: number; retentionMs?: number }
    | { backend: 'sqlite'; path?: string; retentionMs?: number };
  /** Default: the system clock. Tests pass a manual one. */
  clock?: Clock;
  insights?: false | InsightOptions;
  historyWindows?: number;
  /** Where the `log` action writes (default `console.warn`). */
  log?: (line: string, alert: Alert) => void;
  /** Called by the `notify` action when a rule has no `notifyUrl`. */
  notify?: (alert: Alert) => unknown;
  actionTimeoutMs?: number;
}

/** The options with every default in place. */
export interface ResolvedMonitorOptions {
  readonly collectionIntervalMs: number;
  /** Tracked metric → its aggregation. */
  readonly tracked: ReadonlyMap<string, AggregationSpec>;
  /** Metric → unit: the built-in metrics' and those the options gave. */
  readonly units: ReadonlyMap<string, string>;
  /** Every series the tracked metrics report. */
  readonly series: readonly string[];
  readonly rules: readonly AlertRule[];
  readonly store: MetricStore;
  /** True when the monitor opened the store (and so closes it on `stop()`). */
  readonly ownsStore: boolean;
  readonly clock: Clock;
  readonly insights: false | InsightOptions;
  readonly historyWindows: number;
  readonly log: (line: string, alert: Alert) => void;
  readonly notify?: (alert: Alert) => unknown;
  readonly actionTimeoutMs: number;
}

const fail = (path: string, message: string, value: unknown) =>
  new TelemetryOptionsError({
    code: 'TELEMETRY_INVALID_OPTIONS',
    message: `startMonitoring: ${path}: ${message}`,
    issues: [{ path, message, value }],
  });

const SPACE_METHOD: Partial<Record<AlertRule['action'], keyof MonitoredSpace>> = {
  auto_scale: 'autoScale',
  restart_agent: 'handleAgentFailure',
  rebalance_resources: 'adaptSystem',
};

/** Checks the running space's shape: its streams, and the operations the alert rules act through. */
export function checkMonitoredSpace(space: unknown, rules: readonly AlertRule[]): MonitoredSpace {
  try {
    return checkSpaceShape(space, rules);
  } catch (error) {
    if (VarplaneError.isInstance(error)) throw error;
    // A Proxy or a throwing getter: what cannot be read is not a running space.
    throw fail('runningSpace', `could not be read (${toErrorInfo(error).message})`, space);
  }
}

function checkSpaceShape(space: unknown, rules: readonly AlertRule[]): MonitoredSpace {
  const subscribable = (v: unknown) =>
    typeof v === 'object' && v !== null && isFunction((v as { subscribe?: unknown }).subscribe);
  if (typeof space !== 'object' || space === null) {
    throw fail('runningSpace', 'must be a running space (space$, events$...)', space);
  }
  const s = space as Record<string, unknown>;
  for (const stream of ['space$', 'events$']) {
    if (!subscribable(s[stream])) {
      throw fail(`runningSpace.${stream}`, 'must be an observable', s[stream]);
    }
  }
  for (const rule of rules) {
    const method = SPACE_METHOD[rule.action];
    if (method !== undefined && !isFunction(s[method])) {
      throw fail(
        `runningSpace.${method}`,
        `must be a function: alert ${rule.metric} acts by ${rule.action}`,
        s[method],
      );
    }
  }
  return space as MonitoredSpace;
}

/** Validates and completes `startMonitoring`'s options, opening the store last. */
export function resolveMonitorOptions(options: unknown): ResolvedMonitorOptions {
  const parsed = parseOptions(optionsSchema, options, 'startMonitoring');
  const tracked = new Map<string, AggregationSpec>();
  for (const metric of parsed.metricsToTrack) {
    tracked.set(
      metric,
      (Object.hasOwn(parsed.aggregation, metric)
        ? (parsed.aggregation[metric] as AggregationSpec | undefined)
        : undefined) ?? defaultAggregation(metric),
    );
  }
  for (const metric of Object.keys(parsed.aggregation)) {
    if (!tracked.has(metric)) {
      throw fail(
        `aggregation.${metric}`,
        `is not a tracked metric; tracked: ${[...tracked.keys()].join(', ')}`,
        metric,
      );
    }
  }
  const units = new Map<string, string>();
  for (const [metric, definition] of Object.entries(BUILT_IN_METRICS))
    units.set(metric, definition.unit);
  for (const [metric, unit] of Object.entries(parsed.units)) {
    if (isBuiltInMetric(metric)) {
      throw fail(
        `units.${metric}`,
        `is a built-in metric, whose unit is ${BUILT_IN_METRICS[metric].unit}`,
        unit,
      );
    }
    units.set(metric, unit);
  }
  const series = [...tracked].flatMap(([metric, spec]) => seriesOf(metric, spec));
  const rules: AlertRule[] = [];
  for (const [metric, t] of Object.entries(parsed.alertThresholds)) {
    const path = `alertThresholds.${metric}`;
    if (t.perAgent) {
      if (!Object.hasOwn(PER_AGENT_ALERT_FIELDS, metric)) {
        throw fail(
          path,
          `perAgent alerts watch one of ${Object.keys(PER_AGENT_ALERT_FIELDS).join(', ')}`,
          metric,
        );
      }
    } else if (!series.includes(metric)) {
      throw fail(
        path,
        `is not a series of the tracked metrics; series: ${series.join(', ')}`,
        metric,
      );
    }
    const direction = t.direction ?? (t.warning > t.critical ? 'below' : 'above');
    if (direction === 'above' ? t.warning > t.critical : t.warning < t.critical) {
      throw fail(
        `${path}.warning`,
        `must not be past critical (${t.critical}) for direction ${direction}`,
        t.warning,
      );
    }
    if (t.action === 'notify' && t.notifyUrl === undefined && parsed.notify === undefined) {
      throw fail(
        `${path}.notifyUrl`,
        'notify needs a notifyUrl on the threshold or a notify callback',
        undefined,
      );
    }
    rules.push({
      metric,
      warning: t.warning,
      critical: t.critical,
      action: t.action,
      direction,
      clearMargin: t.clearMargin ?? 0.1 * (Math.abs(t.warning) || Math.abs(t.critical)),
      forWindows: t.forWindows,
      cooldownMs: t.cooldownMs,
      perAgent: t.perAgent,
      ...(t.agent === undefined ? {} : { agent: t.agent }),
      ...(t.notifyUrl === undefined ? {} : { notifyUrl: t.notifyUrl }),
    });
  }
  const storage = parsed.storage;
  const store: MetricStore = isStore(storage)
    ? storage
    : storage.backend === 'memory'
      ? createMemoryStore({
          ...(storage.capacity === undefined ? {} : { capacity: storage.capacity }),
          ...(storage.retentionMs === undefined ? {} : { retentionMs: storage.retentionMs }),
        })
      : createSqliteStore({
          path: storage.path,
          ...(storage.retentionMs === undefined ? {} : { retentionMs: storage.retentionMs }),
        });
  return {
    collectionIntervalMs: parsed.collectionIntervalMs,
    tracked,
    units,
    series,
    rules,
    store,
    ownsStore: !isStore(storage),
    clock: parsed.clock,
    insights: parsed.insights as false | InsightOptions,
    historyWindows: parsed.historyWindows,
    log: parsed.log ?? ((line) => console.warn(line)),
    ...(parsed.notify === undefined ? {} : { notify: parsed.notify }),
    actionTimeoutMs: parsed.actionTimeoutMs,
  };
}
