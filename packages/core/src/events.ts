import type { AdaptationEvent } from './adaptation';
import type { CoordinationPattern } from './coordination-graph';
import type { AgentDirective } from './directive';
import { describeValue, VarplaneError } from './errors';

/** An error as it travels in events: plain data, safe to serialize. */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
}

/**
 * Why an agent ended: normally, by shutdown, killed without cleanup, or by an error. `noproc` is
 * what a monitor (or a trapped link) set on an agent that was already gone reports.
 */
export type ExitReason = 'normal' | 'shutdown' | 'killed' | 'noproc' | { error: ErrorInfo };

/** Counters one agent keeps; the runtime publishes them periodically, not per message. */
export interface AgentStats {
  agent: string;
  mailboxDepth: number;
  messagesHandled: number;
  errors: number;
  restarts: number;
  /** LM tokens spent in all, as the resource ledger has it; absent when the ledger has no account. */
  tokens?: number;
  /** Money spent in all, as the resource ledger has it; absent when the ledger has no account. */
  cost?: number;
  /**
   * Messages sent to each agent id and queued there, in all (sends, calls and broadcasts); the
   * message rates on a topology's edges. Absent for agents that do not count them: the runtime
   * counts for a running space's agents only.
   */
  sent?: Readonly<Record<string, number>>;
}

interface At {
  /** Clock time of the event, in ms. */
  at: number;
}

/**
 * Everything a running space reports on `events$`, as a discriminated union on `type`
 * (noun-then-verb). Errors are events here, never thrown into the stream.
 */
export type RuntimeEvent =
  | (At & { type: 'space-started'; spaceId: string })
  | (At & { type: 'space-stopped'; spaceId: string })
  | (At & { type: 'agent-started'; agent: string; behaviour: string })
  | (At & { type: 'agent-stopped'; agent: string; reason: ExitReason })
  | (At & { type: 'agent-crashed'; agent: string; error: ErrorInfo })
  | (At & { type: 'agent-restarted'; agent: string; restarts: number; delayMs: number })
  | (At & { type: 'agent-resumed'; agent: string; error: ErrorInfo })
  | (At & { type: 'agent-swapped'; agent: string; behaviour: string })
  /**
   * An async step (init, handle, terminate, code change) of an incarnation that has since ended
   * tried to act through its context (`operation`: reply, send, stop...); it was ignored.
   */
  | (At & { type: 'stale-step'; agent: string; operation: string })
  | (At & { type: 'agent-scaled'; agent: string; instances: number; previous: number })
  | (At & { type: 'supervisor-escalated'; supervisor: string; reason: ErrorInfo })
  | (At & {
      type: 'mailbox-overflowed';
      agent: string;
      policy: 'reject' | 'drop_oldest';
      dropped: number;
    })
  | (At & {
      type: 'budget-exhausted';
      agent: string;
      resource: string;
      requested: number;
      available: number;
    })
  | (At & {
      /**
       * A resource grant given back: its holder was idle for its `release_on_idle` time, a
       * request of higher priority took it (`preempted`, `by` that agent), or it was released.
       */
      type: 'grant-released';
      agent: string;
      resourceType: string;
      amount: number;
      reason: 'idle' | 'preempted' | 'released';
      by?: string;
    })
  | (At & { type: 'directive-applied'; directive: AgentDirective })
  | (At & { type: 'directive-failed'; directive: AgentDirective; error: ErrorInfo })
  | (At & { type: 'topology-changed'; topology: CoordinationPattern; edges: number })
  | (At & { type: 'adaptation-recorded'; event: AdaptationEvent })
  | (At & { type: 'stats-reported'; stats: readonly AgentStats[] })
  /**
   * An agent taken out of service left messages in its mailbox; they went to `to` (calls too, so
   * their callers get the peer's reply).
   */
  | (At & { type: 'mail-rerouted'; agent: string; to: string; count: number })
  /**
   * An agent taken out of service left messages no peer could take: here they are, oldest first,
   * so the caller can resend them. Calls among them were rejected with `AGENT_NOT_RUNNING`.
   */
  | (At & { type: 'mail-dead-lettered'; agent: string; messages: readonly unknown[] });

export type RuntimeEventType = RuntimeEvent['type'];

/**
 * Turns anything thrown into plain error data for an event. Never throws: a thrown value whose
 * getters or traps throw is described by what can be read of it.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  try {
    if (VarplaneError.isInstance(error))
      return { name: String(error.name), message: String(error.message), code: String(error.code) };
    if (error instanceof Error) return { name: String(error.name), message: String(error.message) };
    return { name: 'Error', message: typeof error === 'string' ? error : String(error) };
  } catch {
    return {
      name: 'Error',
      message: `a thrown value that cannot be read (${describeValue(error)})`,
    };
  }
}
