import type { MultiAgentSpace, RuntimeEvent } from '@varplane/core';
import type { AgentRunState, FaultRecord } from '../metrics-snapshot';
import type { MonitoredAgentStats } from '../monitored-space';

/** Recoveries kept for the mean fault-recovery time. */
const RECOVERIES_KEPT = 100;

export interface Counters {
  handled: number;
  errors: number;
  restarts: number;
  tokens: number;
  cost: number;
}

export interface Track {
  readonly agent: string;
  behaviour: string;
  role: string;
  state: AgentRunState;
  /** Stopped on an error, or gave up restarting. */
  failed: boolean;
  instances: number;
  depth: number;
  /** The latest cumulative counters, from stats reports and restart events. */
  now: Counters;
  /** Usage reported by instrumented models; the same spending the runtime may also count. */
  recorded: { tokens: number; cost: number };
  /** The counters when the window opened. */
  base: Counters;
  /** Messages sent per destination agent, in all; undefined while the runtime does not count them. */
  sent: Readonly<Record<string, number>> | undefined;
  sentBase: Readonly<Record<string, number>>;
  depthSampled: boolean;
  crashes: number;
  dropped: number;
  crashedAt: number | undefined;
}

export interface Activity {
  dropped: number;
  crashes: number;
  restarts: number;
  directivesApplied: number;
  directivesFailed: number;
  topologyChanges: number;
  adaptations: number;
}

/** An agent as it stands between windows: cumulative counters and state. */
export interface LiveAgent {
  readonly agent: string;
  readonly behaviour: string;
  readonly role: string;
  readonly state: AgentRunState;
  readonly instances: number;
  readonly mailboxDepth: number;
  readonly messagesHandled: number;
  readonly errors: number;
  readonly restarts: number;
  readonly tokens: number;
  readonly cost: number;
}

const zeroCounters = (): Counters => ({ handled: 0, errors: 0, restarts: 0, tokens: 0, cost: 0 });
export const zeroActivity = (): Activity => ({
  dropped: 0,
  crashes: 0,
  restarts: 0,
  directivesApplied: 0,
  directivesFailed: 0,
  topologyChanges: 0,
  adaptations: 0,
});

/**
 * What the agents did, folded from the runtime's events as they come: each agent's cumulative
 * counters and state, and the window's crashes, recoveries and control-plane activity. Instances
 * of a scaled agent count toward their agent; ids that belong to no agent are left out.
 */
export interface AgentTracks {
  readonly tracks: ReadonlyMap<string, Track>;
  readonly recoveries: readonly number[];
  observe(event: RuntimeEvent): void;
  observeSpace(space: MultiAgentSpace): void;
  recordUsage(agent: string, usage: { tokens?: number; cost?: number }): void;
  live(): LiveAgent[];
  /** The window's activity and faults so far. */
  activity(): Activity;
  faults(): readonly FaultRecord[];
  /** Starts the next window: counters become the new base, window counts return to zero. */
  nextWindow(): void;
}

export function createAgentTracks(options: {
  ownerOf: (id: string) => string | undefined;
  /** Where samples of built-in metrics go (the window's aggregators). */
  sample: (metric: string, value: number) => void;
}): AgentTracks {
  const { ownerOf, sample } = options;
  const tracks = new Map<string, Track>();
  const recoveries: number[] = [];
  let faults: FaultRecord[] = [];
  let activity = zeroActivity();
  let space: MultiAgentSpace | undefined;

  const track = (agent: string): Track => {
    let found = tracks.get(agent);
    if (found === undefined) {
      const config = space?.agents[agent];
      found = {
        agent,
        behaviour: config?.behaviour ?? '',
        role: config?.role ?? '',
        state: 'starting',
        failed: false,
        instances: 1,
        depth: 0,
        now: zeroCounters(),
        base: zeroCounters(),
        recorded: { tokens: 0, cost: 0 },
        sent: undefined,
        sentBase: {},
        depthSampled: false,
        crashes: 0,
        dropped: 0,
        crashedAt: undefined,
      };
      tracks.set(agent, found);
    }
    return found;
  };

  const takeStats = (list: readonly MonitoredAgentStats[]) => {
    // Instances of a scaled agent report apart: their counters add up to the agent's.
    const sums = new Map<string, { stats: MonitoredAgentStats[] }>();
    for (const stats of list) {
      const owner = ownerOf(stats.agent);
      if (owner === undefined) continue;
      const entry = sums.get(owner) ?? { stats: [] };
      entry.stats.push(stats);
      sums.set(owner, entry);
    }
    for (const [owner, { stats }] of sums) {
      const t = track(owner);
      let depth = 0;
      let handled = 0;
      let errors = 0;
      let restarts = 0;
      let tokens: number | undefined;
      let cost: number | undefined;
      const sent: Record<string, number> = {};
      let hasSent = false;
      for (const s of stats) {
        depth += s.mailboxDepth;
        handled += s.messagesHandled;
        errors += s.errors;
        restarts += s.restarts;
        if (s.tokens !== undefined) tokens = (tokens ?? 0) + s.tokens;
        if (s.cost !== undefined) cost = (cost ?? 0) + s.cost;
        if (s.sent !== undefined) {
          hasSent = true;
          for (const [to, n] of Object.entries(s.sent)) {
            const target = ownerOf(to) ?? to;
            sent[target] = (sent[target] ?? 0) + n;
          }
        }
      }
      t.depth = depth;
      t.depthSampled = true;
      sample('mailbox_depth', depth);
      t.now.handled = handled;
      t.now.errors = errors;
      t.now.restarts = Math.max(t.now.restarts, restarts);
      if (tokens !== undefined) t.now.tokens = Math.max(t.now.tokens, tokens);
      if (cost !== undefined) t.now.cost = Math.max(t.now.cost, cost);
      if (hasSent) t.sent = sent;
      const reported = stats.length === 1 ? (stats[0] as MonitoredAgentStats).instances : undefined;
      t.instances = reported ?? Math.max(stats.length, 1);
      // A report from an agent that missed its start event still shows it alive.
      if (t.state === 'starting') t.state = 'running';
    }
  };

  // Lifecycle events of an instance count toward its agent; only the agent's own id moves its state.
  const observe = (event: RuntimeEvent) => {
    if (event.type === 'stats-reported') {
      takeStats(event.stats);
      return;
    }
    if (!('agent' in event)) {
      switch (event.type) {
        case 'directive-applied':
          activity.directivesApplied += 1;
          break;
        case 'directive-failed':
          activity.directivesFailed += 1;
          break;
        case 'topology-changed':
          activity.topologyChanges += 1;
          break;
        case 'adaptation-recorded':
          activity.adaptations += 1;
          break;
        default:
          break;
      }
      return;
    }
    const owner = ownerOf(event.agent);
    if (owner === undefined) return;
    const t = track(owner);
    const primary = owner === event.agent;
    switch (event.type) {
      case 'agent-started':
        if (primary) {
          t.behaviour = event.behaviour;
          t.state = 'running';
          t.failed = false;
        }
        break;
      case 'agent-swapped':
        if (primary) t.behaviour = event.behaviour;
        break;
      case 'agent-crashed':
        if (primary) {
          t.state = 'crashed';
          t.crashedAt = event.at;
        }
        t.crashes += 1;
        activity.crashes += 1;
        faults.push({ agent: owner, at: event.at, error: event.error });
        break;
      case 'agent-restarted':
        t.now.restarts += 1;
        activity.restarts += 1;
        if (primary) {
          t.state = 'running';
          t.failed = false;
          if (t.crashedAt !== undefined) {
            const took = event.at - t.crashedAt;
            recoveries.push(took);
            if (recoveries.length > RECOVERIES_KEPT) recoveries.shift();
            sample('recovery_time', took);
            const crashedAt = t.crashedAt;
            faults = faults.map((f) =>
              f.agent === owner && f.at === crashedAt ? { ...f, recoveredAt: event.at } : f,
            );
            t.crashedAt = undefined;
          }
        }
        break;
      case 'agent-resumed':
        if (primary) t.state = 'running';
        break;
      case 'agent-stopped':
        if (primary) {
          t.state = 'stopped';
          t.failed = typeof event.reason === 'object';
        }
        break;
      case 'agent-scaled':
        t.instances = event.instances;
        break;
      case 'mailbox-overflowed':
        t.dropped += event.dropped;
        activity.dropped += event.dropped;
        break;
      default:
        break;
    }
  };

  const observeSpace = (next: MultiAgentSpace) => {
    space = next;
    for (const [id, config] of Object.entries(next.agents)) {
      const t = track(id);
      t.behaviour = t.behaviour === '' ? config.behaviour : t.behaviour;
      t.role = config.role;
    }
  };

  return {
    tracks,
    recoveries,
    observe,
    observeSpace,
    recordUsage(agent, usage) {
      // An instance's spending is its agent's; a name the space does not know keeps its own row.
      const t = track(ownerOf(agent) ?? agent);
      t.recorded.tokens += usage.tokens ?? 0;
      t.recorded.cost += usage.cost ?? 0;
      // Both are running totals of one agent's spending: the larger is the more recent.
      t.now.tokens = Math.max(t.now.tokens, t.recorded.tokens);
      t.now.cost = Math.max(t.now.cost, t.recorded.cost);
    },
    live: () =>
      [...tracks.values()].map((t) => ({
        agent: t.agent,
        behaviour: t.behaviour,
        role: t.role,
        state: t.state,
        instances: t.instances,
        mailboxDepth: t.depth,
        messagesHandled: t.now.handled,
        errors: t.now.errors,
        restarts: t.now.restarts,
        tokens: t.now.tokens,
        cost: t.now.cost,
      })),
    activity: () => activity,
    faults: () => faults,
    nextWindow() {
      for (const t of tracks.values()) {
        t.base = { ...t.now };
        t.sentBase = t.sent ?? {};
        t.depthSampled = false;
        t.crashes = 0;
        t.dropped = 0;
      }
      faults = [];
      activity = zeroActivity();
    },
  };
}
