import type { Insight, ResolvedInsightOptions as Options } from '../insights';
import type { AgentSnapshot, MetricsSnapshot } from '../metrics-snapshot';
import { clamp01, mean } from './math';

// The rules `generateInsights` runs, one a situation; each returns the insights it sees.

const round = (x: number) => Number(x.toFixed(4));
const median = (xs: readonly number[]) => {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

function agentSeries(history: readonly MetricsSnapshot[], agent: string): AgentSnapshot[] {
  const out: AgentSnapshot[] = [];
  for (const snapshot of history) {
    // An own entry only: an agent such as `constructor` is an ordinary id.
    const found = Object.hasOwn(snapshot.agents, agent) ? snapshot.agents[agent] : undefined;
    if (found !== undefined) out.push(found);
  }
  return out;
}

// A mailbox that keeps growing: most steps up, and a backlog worth acting on.
export function bottlenecks(recent: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = recent[recent.length - 1] as MetricsSnapshot;
  const first = recent[0] as MetricsSnapshot;
  const out: Insight[] = [];
  for (const agent of Object.keys(last.agents)) {
    const series = agentSeries(recent, agent);
    if (series.length < o.trendWindows) continue;
    let ups = 0;
    for (let i = 1; i < series.length; i++) {
      if (
        (series[i] as AgentSnapshot).mailboxDepth > (series[i - 1] as AgentSnapshot).mailboxDepth
      ) {
        ups += 1;
      }
    }
    const steps = series.length - 1;
    const now = series[series.length - 1] as AgentSnapshot;
    const then = series[0] as AgentSnapshot;
    const seconds = (last.at - first.at) / 1_000;
    const growth = seconds > 0 ? (now.mailboxDepth - then.mailboxDepth) / seconds : 0;
    if (ups / steps < 2 / 3 || growth <= 0 || now.mailboxDepth < o.minBacklog) continue;
    const served = mean(series.slice(1).map((s) => s.messagesPerSecond));
    const arrivals = served + growth;
    const perInstance = now.instances > 0 ? served / now.instances : served;
    const needed = perInstance > 0 ? Math.ceil(arrivals / perInstance) : now.instances + 1;
    const instances = Math.max(now.instances + 1, needed);
    out.push({
      type: 'bottleneck_detected',
      key: `bottleneck_detected:${agent}`,
      subject: agent,
      description: `${agent}'s mailbox grew in ${ups} of ${steps} windows to ${now.mailboxDepth} messages (+${round(growth)}/s) while it handled ${round(served)}/s: work arrives faster than it is served`,
      suggestedAction: {
        actionType: 'scale_agent',
        parameters: { agent, instances },
        expectedImprovement: round(
          clamp01(
            arrivals > 0
              ? Math.min(growth, perInstance * (instances - now.instances)) / arrivals
              : 0,
          ),
        ),
        riskLevel: 'low',
      },
      confidence: round(clamp01(ups / steps)),
      impactEstimate: round(clamp01(arrivals > 0 ? growth / arrivals : 0)),
      at: last.at,
      evidence: {
        mailboxDepth: now.mailboxDepth,
        growthPerSecond: round(growth),
        messagesPerSecond: round(served),
        instances: now.instances,
      },
    });
  }
  return out;
}

// Crashes of one agent that cluster in time.
export function faultPatterns(history: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = history[history.length - 1] as MetricsSnapshot;
  const since = last.at - o.faultPeriodMs;
  const byAgent = new Map<string, { at: number; error: string }[]>();
  let teamCrashes = 0;
  for (const snapshot of history) {
    for (const fault of snapshot.faults) {
      if (fault.at < since) continue;
      teamCrashes += 1;
      const list = byAgent.get(fault.agent) ?? [];
      list.push({ at: fault.at, error: fault.error.name });
      byAgent.set(fault.agent, list);
    }
  }
  const out: Insight[] = [];
  for (const [agent, crashes] of byAgent) {
    if (crashes.length < o.minCrashes) continue;
    const counts = new Map<string, number>();
    for (const c of crashes) counts.set(c.error, (counts.get(c.error) ?? 0) + 1);
    const [error, same] = [...counts].sort((a, b) => b[1] - a[1])[0] as [string, number];
    const span =
      (crashes[crashes.length - 1] as { at: number }).at - (crashes[0] as { at: number }).at;
    const share = same / crashes.length;
    const meanGap = crashes.length > 1 ? span / (crashes.length - 1) : 0;
    out.push({
      type: 'fault_pattern',
      key: `fault_pattern:${agent}`,
      subject: agent,
      description: `${agent} crashed ${crashes.length} times in ${Math.round(span)} ms (${same} of them ${error}): the restarts cluster, so restarting alone does not fix the cause`,
      suggestedAction: {
        actionType: 'adjust_parameters',
        parameters: {
          agent,
          error,
          restartBackoffMs: Math.max(1_000, Math.round(meanGap * 2)),
          investigate: error,
        },
        expectedImprovement: round(share),
        riskLevel: 'medium',
      },
      confidence: round(clamp01(share * Math.min(1, crashes.length / (o.minCrashes + 1)))),
      impactEstimate: round(clamp01(crashes.length / teamCrashes)),
      at: last.at,
      evidence: {
        crashes: crashes.length,
        sameError: same,
        spanMs: span,
        meanGapMs: round(meanGap),
      },
    });
  }
  return out;
}

// An agent doing next to nothing while the rest of the team is busy.
export function underused(recent: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = recent[recent.length - 1] as MetricsSnapshot;
  const live = Object.values(last.agents).filter((a) => a.state === 'running');
  if (live.length < 2) return [];
  const rates = new Map<string, number>();
  for (const agent of live) {
    rates.set(agent.agent, mean(agentSeries(recent, agent.agent).map((s) => s.messagesPerSecond)));
  }
  const teamMean = mean([...rates.values()]);
  if (teamMean <= 0) return [];
  const out: Insight[] = [];
  for (const agent of live) {
    const series = agentSeries(recent, agent.agent);
    if (series.length < o.trendWindows) continue;
    const idleWindows = series.filter(
      (s) => s.messagesPerSecond <= o.idleShare * teamMean && s.mailboxDepth === 0,
    ).length;
    if (idleWindows < series.length) continue;
    const rate = rates.get(agent.agent) as number;
    const scaleDown = agent.instances > 1;
    out.push({
      type: 'underutilized_agent',
      key: `underutilized_agent:${agent.agent}`,
      subject: agent.agent,
      description: `${agent.agent} handled ${round(rate)} messages/s over the last ${series.length} windows, under ${Math.round(o.idleShare * 100)}% of the team's mean of ${round(teamMean)}/s, with an empty mailbox`,
      suggestedAction: scaleDown
        ? {
            actionType: 'scale_agent',
            parameters: { agent: agent.agent, instances: agent.instances - 1 },
            expectedImprovement: round(clamp01(1 / agent.instances)),
            riskLevel: 'low',
          }
        : {
            actionType: 'remove_agent',
            parameters: { agent: agent.agent },
            expectedImprovement: round(clamp01(1 / live.length)),
            riskLevel: 'medium',
          },
      confidence: round(clamp01(1 - rate / (o.idleShare * teamMean + 1e-9) / 2)),
      impactEstimate: round(clamp01(1 / live.length)),
      at: last.at,
      evidence: {
        messagesPerSecond: round(rate),
        teamMeanPerSecond: round(teamMean),
        windows: series.length,
      },
    });
  }
  return out;
}

// A resource nearly spent, and an agent spending far more tokens per message than its peers.
export function resourceWaste(recent: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = recent[recent.length - 1] as MetricsSnapshot;
  const out: Insight[] = [];
  for (const [resource, used] of Object.entries(last.performance.resourceUtilization)) {
    if (used < o.highUtilization) continue;
    const idle = Object.values(last.agents).filter(
      (a) => a.state === 'running' && a.messagesPerSecond === 0,
    );
    out.push({
      type: 'resource_inefficiency',
      key: `resource_inefficiency:${resource}`,
      subject: resource,
      description: `${resource} is ${Math.round(used * 100)}% used${idle.length > 0 ? ` while ${idle.length} agent(s) sit idle holding their share` : ''}: the next requests for it will be refused`,
      suggestedAction: {
        actionType: 'redistribute_resources',
        parameters: { resource, from: idle.map((a) => a.agent) },
        expectedImprovement: round(clamp01(used - o.highUtilization + (idle.length > 0 ? 0.1 : 0))),
        riskLevel: 'medium',
      },
      confidence: round(clamp01(used)),
      impactEstimate: round(clamp01(used)),
      at: last.at,
      evidence: { utilization: round(used), idleAgents: idle.length },
    });
  }
  const perMessage = new Map<string, number>();
  for (const agent of Object.keys(last.agents)) {
    const series = agentSeries(recent, agent);
    const first = series[0];
    const now = series[series.length - 1];
    if (first === undefined || now === undefined) continue;
    const handled = now.messagesHandled - first.messagesHandled;
    const tokens = now.tokens - first.tokens;
    if (handled > 0 && tokens > 0) perMessage.set(agent, tokens / handled);
  }
  if (perMessage.size >= 2) {
    const typical = median([...perMessage.values()]);
    const total = [...perMessage.values()].reduce((s, x) => s + x, 0);
    for (const [agent, tokens] of perMessage) {
      if (tokens < o.tokenWasteFactor * typical) continue;
      out.push({
        type: 'resource_inefficiency',
        key: `resource_inefficiency:tokens:${agent}`,
        subject: agent,
        description: `${agent} spends ${round(tokens)} tokens a message, ${round(tokens / typical)}x the team's median of ${round(typical)}`,
        suggestedAction: {
          actionType: 'adjust_parameters',
          parameters: { agent, maxTokens: Math.max(1, Math.round(typical * 1.5)) },
          expectedImprovement: round(clamp01(1 - (typical * 1.5) / tokens)),
          riskLevel: 'medium',
        },
        confidence: round(clamp01(1 - typical / tokens)),
        impactEstimate: round(clamp01(tokens / total)),
        at: last.at,
        evidence: { tokensPerMessage: round(tokens), medianTokensPerMessage: round(typical) },
      });
    }
  }
  return out;
}

// The team spends its time reorganizing rather than working.
export function coordinationOverhead(recent: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = recent[recent.length - 1] as MetricsSnapshot;
  let control = 0;
  let handled = 0;
  let busy = 0;
  for (const s of recent) {
    const events =
      s.activity.directivesApplied +
      s.activity.directivesFailed +
      s.activity.topologyChanges +
      s.activity.adaptations;
    control += events;
    handled += s.activity.messagesHandled;
    if (events > 0) busy += 1;
  }
  // Sustained churn only: a team that organizes itself once at start-up is not overhead.
  if (recent.length < o.trendWindows || busy * 2 < recent.length || control < 3) return [];
  const per100 = (control / Math.max(1, handled)) * 100;
  if (per100 < o.maxCoordinationPer100) return [];
  const dense = last.topology === 'mesh' || last.topology === 'broadcast';
  return [
    {
      type: 'coordination_overhead',
      key: 'coordination_overhead:team',
      subject: 'team',
      description: `${control} coordination events (directives, topology changes, adaptations) for ${handled} messages handled over ${recent.length} windows: ${round(per100)} per 100 messages`,
      suggestedAction: dense
        ? {
            actionType: 'change_topology',
            parameters: { from: last.topology, to: 'star' },
            expectedImprovement: round(clamp01(control / (control + handled))),
            riskLevel: 'medium',
          }
        : {
            actionType: 'adjust_parameters',
            parameters: { adaptationRate: 'lower', coordinationEventsPer100: round(per100) },
            expectedImprovement: round(clamp01(control / (control + handled))),
            riskLevel: 'low',
          },
      confidence: round(clamp01(per100 / (per100 + o.maxCoordinationPer100))),
      impactEstimate: round(clamp01(control / (control + handled))),
      at: last.at,
      evidence: {
        coordinationEvents: control,
        messagesHandled: handled,
        per100Messages: round(per100),
      },
    },
  ];
}

// The team's score slid, or messages are lost to full mailboxes.
export function opportunities(recent: readonly MetricsSnapshot[], o: Options): Insight[] {
  const last = recent[recent.length - 1] as MetricsSnapshot;
  const out: Insight[] = [];
  const scores = recent.map((s) => s.performance.aggregatePerformance);
  const best = Math.max(...scores);
  const now = last.performance.aggregatePerformance;
  if (recent.length >= o.trendWindows && best - now >= o.performanceDrop) {
    const worst = Object.entries(last.performance.individualPerformance).sort(
      (a, b) => a[1] - b[1],
    )[0];
    out.push({
      type: 'optimization_opportunity',
      key: 'optimization_opportunity:performance',
      subject: 'team',
      description: `the team's score fell from ${round(best)} to ${round(now)} over ${recent.length} windows${worst ? `; lowest: ${worst[0]} at ${round(worst[1])}` : ''}: re-optimize its variables`,
      suggestedAction: {
        actionType: 'adjust_parameters',
        parameters: { optimize: 'team', ...(worst ? { agent: worst[0] } : {}) },
        expectedImprovement: round(clamp01(best - now)),
        riskLevel: 'low',
      },
      confidence: round(clamp01((best - now) / (o.performanceDrop * 2))),
      impactEstimate: round(clamp01(best - now)),
      at: last.at,
      evidence: { best: round(best), now: round(now) },
    });
  }
  for (const agent of Object.keys(last.agents)) {
    const series = agentSeries(recent, agent);
    const dropped = series.reduce((s, a) => s + a.droppedInWindow, 0);
    if (dropped === 0) continue;
    const handled = Math.max(
      0,
      (series.at(-1)?.messagesHandled ?? 0) - (series[0]?.messagesHandled ?? 0),
    );
    const lost = dropped / (dropped + handled);
    out.push({
      type: 'optimization_opportunity',
      key: `optimization_opportunity:mailbox:${agent}`,
      subject: agent,
      description: `${agent}'s full mailbox dropped or refused ${dropped} messages over ${series.length} windows`,
      suggestedAction: {
        actionType: 'adjust_parameters',
        parameters: { agent, mailboxCapacity: 'raise' },
        expectedImprovement: round(clamp01(lost)),
        riskLevel: 'low',
      },
      confidence: round(
        clamp01(series.filter((a) => a.droppedInWindow > 0).length / series.length),
      ),
      impactEstimate: round(clamp01(lost)),
      at: last.at,
      evidence: { dropped, handled },
    });
  }
  return out;
}
