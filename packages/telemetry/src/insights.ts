import type { JsonValue } from '@varplane/core';
import { idRecord } from '@varplane/core/internal';
import { z } from 'zod';
import { guarded } from './internal/guard';
import {
  bottlenecks,
  coordinationOverhead,
  faultPatterns,
  opportunities,
  resourceWaste,
  underused,
} from './internal/insight-rules';
import { parseOptions } from './internal/parse';
import type { MetricsSnapshot } from './metrics-snapshot';

/** The card's insight types. */
export const INSIGHT_TYPES = [
  'bottleneck_detected',
  'resource_inefficiency',
  'coordination_overhead',
  'underutilized_agent',
  'optimization_opportunity',
  'fault_pattern',
] as const;
export type InsightType = (typeof INSIGHT_TYPES)[number];

/** The card's suggested action types. */
export const SUGGESTED_ACTION_TYPES = [
  'scale_agent',
  'redistribute_resources',
  'change_topology',
  'adjust_parameters',
  'add_agent',
  'remove_agent',
  'migrate_agent',
] as const;
export type SuggestedActionType = (typeof SUGGESTED_ACTION_TYPES)[number];

export type RiskLevel = 'low' | 'medium' | 'high';

export interface SuggestedAction {
  readonly actionType: SuggestedActionType;
  readonly parameters: Readonly<Record<string, JsonValue>>;
  /** Expected gain, as a share in [0, 1] of the measure the insight is about. */
  readonly expectedImprovement: number;
  readonly riskLevel: RiskLevel;
}

/** An optimization insight: what the data shows, what to do about it, and how sure it is. */
export interface Insight {
  readonly type: InsightType;
  /** Stable while the situation lasts (`bottleneck_detected:coder`), so it is reported once. */
  readonly key: string;
  /** The agent, resource or `team` it is about. */
  readonly subject: string;
  readonly description: string;
  readonly suggestedAction: SuggestedAction;
  /** In [0, 1]. */
  readonly confidence: number;
  /** The share of the team's work or budget affected, in [0, 1]. */
  readonly impactEstimate: number;
  /** The time of the newest window it was derived from. */
  readonly at: number;
  /** The measured values it rests on. */
  readonly evidence: Readonly<Record<string, number>>;
}

export const insightOptionsSchema = z
  .object({
    /** Windows a trend is judged over (the newest ones). */
    trendWindows: z.number().int().min(3).default(4),
    /** A growing mailbox is a bottleneck once it holds at least this many messages. */
    minBacklog: z.number().nonnegative().default(10),
    /** Crashes of one agent within `faultPeriodMs` that make a pattern. */
    minCrashes: z.number().int().min(2).default(3),
    faultPeriodMs: z.number().positive().default(60_000),
    /** An agent handling less than this share of the team's mean rate is underused. */
    idleShare: z.number().gt(0).lt(1).default(0.1),
    /** Utilization of a resource at or above this is near exhaustion. */
    highUtilization: z.number().gt(0).max(1).default(0.9),
    /** An agent spending this many times the team's median tokens per message is wasteful. */
    tokenWasteFactor: z.number().gt(1).default(2),
    /** Control-plane events (directives, topology changes, adaptations) per 100 messages. */
    maxCoordinationPer100: z.number().positive().default(5),
    /** A drop of the team's score by this much over the trend windows. */
    performanceDrop: z.number().gt(0).lt(1).default(0.1),
  })
  .strict();

export type InsightOptions = z.input<typeof insightOptionsSchema>;
/** The options with every default in place. */
export type ResolvedInsightOptions = z.output<typeof insightOptionsSchema>;

// A window snapshot in outline: what the rules read first. Deeper malformations are caught by
// `guarded`, which names the argument.
const snapshotOutline = z
  .object({
    sequence: z.number(),
    at: z.number(),
    windowMs: z.number(),
    // Keyed by series and agent ids, which may be `__proto__`.
    series: idRecord(z.number()),
    agents: idRecord(z.object({}).passthrough()),
    edges: z.array(z.object({}).passthrough()),
    performance: z.object({ individualPerformance: idRecord(z.number()) }).passthrough(),
    activity: z.object({}).passthrough(),
    faults: z.array(z.object({}).passthrough()),
  })
  .passthrough();

/**
 * Optimization insights from a monitor's recent windows (oldest first), each derived from the
 * data: a mailbox that keeps growing is a bottleneck; crashes of one agent that cluster in time are
 * a fault pattern; an agent far below the team's rate with an empty mailbox is underused; a nearly
 * spent resource or a token-hungry agent is waste; many coordination events per message is
 * overhead; a sliding team score or dropped messages is an opportunity.
 *
 * @example
 * monitor.metrics$.pipe(bufferCount(5, 1)).subscribe((windows) => {
 *   for (const insight of generateInsights(windows)) console.log(insight.description);
 * });
 */
export function generateInsights(
  metrics: MetricsSnapshot | readonly MetricsSnapshot[],
  options: InsightOptions = {},
): Insight[] {
  const o = parseOptions(insightOptionsSchema, options, 'generateInsights');
  const history = parseOptions(
    z.union([z.array(snapshotOutline), snapshotOutline.transform((s) => [s])]),
    metrics,
    'generateInsights: metrics',
  ) as unknown as readonly MetricsSnapshot[];
  if (history.length === 0) return [];
  return guarded('generateInsights', 'metrics', () => insightsOf(history, o));
}

function insightsOf(history: readonly MetricsSnapshot[], o: ResolvedInsightOptions): Insight[] {
  const recent = history.slice(-o.trendWindows);
  return [
    ...bottlenecks(recent, o),
    ...faultPatterns(history, o),
    ...underused(recent, o),
    ...resourceWaste(recent, o),
    ...coordinationOverhead(recent, o),
    ...opportunities(recent, o),
  ].sort((a, b) => b.impactEstimate * b.confidence - a.impactEstimate * a.confidence);
}
