import type { AgentRef, Clock, ExitReason, Random } from '@varplane/core';
import { z } from 'zod';
import { parseOrThrow } from './internal/parse';

/**
 * What an agent does, as a plain object: `init` makes the first state, `handle` takes one message
 * at a time and returns the next state (sync or async), `terminate` cleans up on a graceful stop,
 * and `codeChange` migrates state when the agent is hot-swapped to this behaviour.
 *
 * Casts and calls both arrive at `handle`. For a call, answer with `ctx.reply(value)` (or take
 * `ctx.deferReply()` to answer later, after `handle` returns). A call whose handler returns without
 * answering and without deferring rejects at once with `CALL_NOT_ANSWERED`; a handler that throws
 * rejects it with `AGENT_CRASHED`. A caller is never left hanging.
 *
 * @example
 * const counter: Behaviour<number, { type: 'add'; n: number } | { type: 'get' }> = {
 *   name: 'counter',
 *   init: () => 0,
 *   handle(message, count, ctx) {
 *     if (message.type === 'get') ctx.reply(count);
 *     return message.type === 'add' ? count + message.n : count;
 *   },
 * };
 */
export interface Behaviour<State = unknown, Message = unknown, Args = unknown> {
  /** Shown in events and supervision snapshots. */
  readonly name: string;
  /** Passed to the next behaviour's `codeChange` when this one is swapped out. */
  readonly version?: string;
  /** The first state. Without `init`, the state starts as `args`. Throwing fails the start. */
  init?(args: Args, ctx: AgentContext<Message>): State | Promise<State>;
  /** One message; returns the next state. A throw is a crash that the supervisor decides on. */
  handle(message: Message, state: State, ctx: AgentContext<Message>): State | Promise<State>;
  /** Runs on a graceful stop (not on a brutal kill), within the shutdown timeout. */
  terminate?(reason: ExitReason, state: State, ctx: AgentContext<Message>): void | Promise<void>;
  /** Migrates the old behaviour's state on a hot swap. Without it the state is kept as it is. */
  codeChange?(
    oldState: unknown,
    from: { name: string; version?: string },
    ctx: AgentContext<Message>,
  ): State | Promise<State>;
  /**
   * The state as JSON-serializable data, for `export` (moving the agent to another system or
   * node). Without it the state itself must be JSON.
   */
  snapshot?(state: State): unknown;
  /** The state back from what `snapshot` made, for `adopt`. Without it the data is the state. */
  restore?(data: unknown): State;
}

/** Any behaviour, whatever its state, message and argument types. */
// biome-ignore lint/suspicious/noExplicitAny: behaviours are stored without their type parameters.
export type AnyBehaviour = Behaviour<any, any, any>;

/** Answers a deferred call once: later answers are ignored. */
export interface Replier<Reply = unknown> {
  resolve(value: Reply): void;
  reject(error: unknown): void;
}

/** What a linked or monitored agent's exit looks like in the mailbox of an agent that watches it. */
export interface ExitMessage {
  readonly type: 'agent-exited';
  readonly from: AgentRef;
  readonly reason: ExitReason;
  /** `link` for a trapped link, `monitor` for a monitor (with its id). */
  readonly via: 'link' | 'monitor';
  readonly monitor?: number;
}

/** Options of `spawn` (and of `ctx.spawn`). */
export interface SpawnOptions {
  /** The agent's id; generated from the behaviour name when left out. */
  id?: string;
  /** A name to register in the system's registry. */
  name?: string;
  /** Share of dispatch turns when many agents are runnable (default 1). */
  cpuWeight?: number;
  /** `critical` and `high` agents are served first when they wake; default `normal`. */
  networkPriority?: 'low' | 'normal' | 'high' | 'critical';
  /** Bounded mailbox; unbounded when left out. */
  mailbox?: MailboxOptions;
  /** Resources reserved from the system's pool while the agent lives, and its spending limits. */
  resources?: ResourceNeeds;
  /** Receive linked agents' exits as {@link ExitMessage}s instead of exiting with them. */
  trapExits?: boolean;
  /** Link the new agent to the spawning agent (only through `ctx.spawn`). */
  link?: boolean;
  /**
   * Count the messages the agent sends (and has queued), per destination id, in its `stats()`
   * (`sent`). A running space turns it on for its agents; it costs a dictionary update per send.
   */
  countSent?: boolean;
}

export interface MailboxOptions {
  /** Most messages waiting at once. */
  capacity: number;
  /** `reject` refuses new messages; `drop_oldest` makes room by dropping the oldest. */
  overflow?: 'reject' | 'drop_oldest';
}

/** What an agent holds from the pool while it lives, and what it may spend in all. */
export interface ResourceNeeds {
  memory?: number;
  cpu?: number;
  concurrency?: number;
  /** LM tokens the agent may spend in all. */
  tokens?: number;
  /** Money the agent may spend in all. */
  cost?: number;
}

/**
 * What a behaviour sees of the runtime while it handles a message. Every method is safe to call
 * from inside `handle`; none blocks.
 *
 * A context belongs to one incarnation of the agent. When an async step outlives it (the agent is
 * killed or crashes while the step awaits, and is restarted), what the step then does through it
 * is ignored and reported as a `stale-step` event: `reply`, `send`, `stop`, `link` and the other
 * void methods do nothing, `send` returns false, `call` rejects and `spawn` and `monitor` throw
 * `AGENT_NOT_RUNNING`, and the state the step returns is dropped. `spend` still charges: the
 * tokens were spent.
 */
export interface AgentContext<Message = unknown> {
  readonly self: AgentRef;
  readonly clock: Clock;
  readonly random: Random;
  /** True while the message being handled came by `call`. */
  readonly isCall: boolean;
  /**
   * Fire and forget. False when the message was not queued (no such agent, mailbox full).
   * `{ delivery: 'at-least-once' }` goes through the cluster's durable queue instead (see
   * {@link SendOptions}).
   */
  send(to: AgentRef | string, message: unknown, options?: SendOptions): boolean;
  /** A call to another agent. Awaiting it inside `handle` keeps this agent busy meanwhile. */
  call<Reply = unknown>(
    to: AgentRef | string,
    message: unknown,
    options?: CallOptions,
  ): Promise<Reply>;
  /** Answers the call being handled. Throws `REPLY_OUTSIDE_CALL` when the message was a cast. */
  reply(value: unknown): void;
  /** Takes over the answer of the call being handled, to give it after `handle` returns. */
  deferReply<Reply = unknown>(): Replier<Reply>;
  /** Sends `message` to this agent after `ms` on the system clock; returns a cancel function. */
  sendAfter(ms: number, message: Message): () => void;
  /**
   * The agents this one talks to under the current topology, as refs (`{ id, node }`, what
   * `send` and `call` take): `ctx.neighbours().map((ref) => ref.id)` for their ids.
   */
  neighbours(): readonly AgentRef[];
  /** Sends to every neighbour; returns how many messages were queued. */
  broadcast(message: unknown): number;
  spawn<S, M, A>(behaviour: Behaviour<S, M, A>, args?: A, options?: SpawnOptions): AgentRef;
  link(other: AgentRef | string): void;
  unlink(other: AgentRef | string): void;
  /** Watches `other`: its exit arrives as an {@link ExitMessage} with `via: 'monitor'`. */
  monitor(other: AgentRef | string): number;
  demonitor(monitor: number): void;
  trapExits(on: boolean): void;
  /**
   * Stops this agent after the current message, running `terminate` (default reason `normal`).
   * With `timeout` (ms, default `infinity`), an agent still stopping then is killed. A supervisor
   * stopping it meanwhile bounds the wait by the child's own shutdown timeout either way.
   */
  stop(reason?: ExitReason, options?: { timeout?: number | 'infinity' }): void;
  /** Charges LM usage to this agent's budget and the pool; throws `BUDGET_EXHAUSTED` past either. */
  spend(usage: { tokens?: number; cost?: number }): void;
  /** The ref registered under `name`, if any. */
  whereis(name: string): AgentRef | undefined;
}

/** How a `send` travels. */
export interface SendOptions {
  /**
   * `at-most-once` (the default): straight into the mailbox here, or over the transport to
   * another node; lost if the process hosting the agent dies before handling it.
   * `at-least-once`: through the transport's durable queue for the node hosting the agent (a
   * JetStream work queue with `@varplane/cluster`), acknowledged only after `handle` returned, so
   * a crash of the hosting process redelivers it; a message redelivered that way may be handled
   * twice. Without a transport that has durable queues it throws `CLUSTER_REQUIRED`.
   */
  delivery?: 'at-most-once' | 'at-least-once';
}

export interface CallOptions {
  /** Milliseconds to wait for the reply (default: the system's `callTimeoutMs`, 5,000). */
  timeout?: number;
}

const fn = z.custom<(...args: never[]) => unknown>(
  (v) => typeof v === 'function',
  'must be a function',
);

const behaviourSchema = z.object({
  name: z.string().min(1, 'must not be empty'),
  version: z.string().optional(),
  init: fn.optional(),
  handle: fn,
  terminate: fn.optional(),
  codeChange: fn.optional(),
  snapshot: fn.optional(),
  restore: fn.optional(),
});

const checked = new WeakSet<object>();

/** Checks a behaviour's shape once (then remembers it) and returns it. */
export function checkBehaviour<B extends AnyBehaviour>(behaviour: B, subject = 'behaviour'): B {
  if (typeof behaviour === 'object' && behaviour !== null && checked.has(behaviour))
    return behaviour;
  parseOrThrow(behaviourSchema, behaviour, { code: 'INVALID_ARGUMENT', subject });
  checked.add(behaviour);
  return behaviour;
}
