import type { AgentRef, ExitReason } from '@varplane/core';
import type { AgentContext, AnyBehaviour } from '../behaviour';
import type { Decider, Decision } from '../restart-decisions';
import type { CallEnvelope } from './call-envelope';
import type { HandleStep } from './handle-step';
import { LocalRef } from './local-ref';

// Lifecycle of one agent. Numbers, so the dispatch loop compares small integers.
/** `init` is running (async); messages queue. */
export const STARTING = 0;
/** Handling messages. */
export const RUNNING = 1;
/** `terminate` is running; messages queue. */
export const STOPPING = 2;
/** Exited; its supervisor decides whether it restarts. Messages queue meanwhile. */
export const EXITED = 3;
/** Gone for good. */
export const DEAD = 4;

export type CellStatus =
  | typeof STARTING
  | typeof RUNNING
  | typeof STOPPING
  | typeof EXITED
  | typeof DEAD;

export const STATUS_NAMES = ['starting', 'running', 'stopping', 'restarting', 'stopped'] as const;
export type AgentRunStatus = (typeof STATUS_NAMES)[number];

/** The most mailbox slots an agent keeps once its mailbox is empty (a larger ring is dropped). */
export const RETAINED_SLOTS = 64;

/** A pending hot swap. */
export interface PendingSwap {
  behaviour: AnyBehaviour;
  /** How long its `codeChange` may take. */
  timeoutMs: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A watcher of this cell's exit. */
export interface Monitor {
  id: number;
  watcher: Cell;
}

/**
 * One agent as the kernel sees it. The cell outlives restarts: a restart re-runs `init` in place,
 * so the id, ref, mailbox and registered names stay. Fields are plain and eagerly shaped so V8
 * keeps one hidden class for every cell.
 */
export class Cell {
  readonly id: string;
  readonly ref: AgentRef;
  behaviour: AnyBehaviour;
  args: unknown;
  state: unknown = undefined;
  status: CellStatus = STARTING;

  /** The mailbox: a ring over `mail`, allocated on the first message and reused after. */
  mail: unknown[] | null = null;
  mailHead = 0;
  mailSize = 0;
  capacity = Number.POSITIVE_INFINITY;
  overflow: 'reject' | 'drop_oldest' = 'reject';
  /** Drops not yet reported in a `mailbox-overflowed` event. */
  dropped = 0;

  weight = 1;
  /** Woken cells go to the front of the run queue. */
  urgent = false;
  /** Deficit round robin: messages this cell may still handle in its current round. */
  deficit = 0;
  /** In the run queue, or taking its turn. */
  queued = false;
  /** An async handle, init, terminate or code change is in flight. */
  busy = false;
  /** A stop or swap waits for the current message to finish. */
  pending = false;
  /** Holds its mail (`suspend`): handles nothing until it is resumed or released. */
  suspended = false;
  suspendWaiters: Array<() => void> | null = null;
  /** How many messages at the head of the mailbox the last `export` put in its snapshot; -1: none. */
  exported = -1;

  /** The call being handled, if the message came by `call`. */
  current: CallEnvelope | null = null;
  /** The continuation of this incarnation's async `handle` steps, made on the first one. */
  step: HandleStep | null = null;
  /** Counts exits, so the result of an async step that outlived its incarnation is ignored. */
  incarnation = 0;
  handled = 0;
  errors = 0;
  restarts = 0;
  /** The error of the last crash, and what the decider made of it. */
  lastError: unknown = undefined;
  lastDecision: Decision = 'restart';

  /** The supervisor that decides on this cell's exits. */
  parent: Cell | null = null;
  children: Cell[] | null = null;
  links: Cell[] | null = null;
  /** Monitors watching this cell. */
  monitors: Monitor[] | null = null;
  /** Ids of the monitors this cell set on others. */
  watching: number[] | null = null;
  trapExits = false;
  decide: Decider | null = null;

  stopReason: ExitReason | null = null;
  /** How the last incarnation ended. */
  exitReason: ExitReason = 'normal';
  /**
   * How long its `terminate` may take when no supervisor is there to say (after a crash, or when
   * its supervisor is gone): its child spec's shutdown in ms, else 5,000.
   */
  terminateMs = 5_000;
  /** How long an async `init` may take before it counts as failed (a child spec's `startTimeout`). */
  initTimeoutMs = Number.POSITIVE_INFINITY;
  stopTimer: unknown = undefined;
  /** When `stopTimer` kills the cell, on the system clock. */
  stopDue = 0;
  exitWaiters: Array<() => void> | null = null;
  startWaiters: Array<(error: unknown) => void> | null = null;
  swap: PendingSwap | null = null;
  /**
   * On the root of a supervision tree: the behaviours its descendants were hot-swapped to, by
   * child id, so a child respawned when its subtree restarts keeps the swap.
   */
  swaps: Map<string, AnyBehaviour> | null = null;
  /** Holds a ledger reservation to release when the cell dies. */
  reserved = false;
  /**
   * Messages this agent sent and had queued, by the id it addressed; null when it does not count
   * them (only agents spawned with `countSent`, a running space's agents, do).
   */
  sent: Record<string, number> | null = null;
  ctx: AgentContext;

  constructor(
    id: string,
    node: string,
    owner: object,
    behaviour: AnyBehaviour,
    args: unknown,
    makeContext: (cell: Cell) => AgentContext,
  ) {
    this.id = id;
    this.ref = new LocalRef(id, node, this, owner);
    this.behaviour = behaviour;
    this.args = args;
    this.ctx = makeContext(this);
  }

  get depth(): number {
    return this.mailSize;
  }

  push(message: unknown): void {
    let mail = this.mail;
    if (mail === null) {
      mail = new Array<unknown>(8);
      this.mail = mail;
    } else if (this.mailSize === mail.length) {
      mail = this.grow(mail);
    }
    mail[(this.mailHead + this.mailSize) & (mail.length - 1)] = message;
    this.mailSize++;
  }

  /** The oldest message; only call when `mailSize > 0`. */
  shift(): unknown {
    const mail = this.mail as unknown[];
    const message = mail[this.mailHead];
    mail[this.mailHead] = undefined;
    this.mailHead = (this.mailHead + 1) & (mail.length - 1);
    // A ring grown by a burst goes once the burst is handled: an idle agent keeps no megabytes.
    if (--this.mailSize === 0 && mail.length > RETAINED_SLOTS) this.release();
    return message;
  }

  /** Empties the mailbox, returning what was in it, oldest first. */
  drain(): unknown[] {
    const out: unknown[] = [];
    while (this.mailSize > 0) out.push(this.shift());
    this.mailHead = 0;
    return out;
  }

  /** The mailbox's messages, oldest first, left in place. */
  peekAll(): unknown[] {
    const mail = this.mail;
    const out: unknown[] = [];
    if (mail === null) return out;
    for (let i = 0; i < this.mailSize; i++) out.push(mail[(this.mailHead + i) & (mail.length - 1)]);
    return out;
  }

  private release(): void {
    this.mail = null;
    this.mailHead = 0;
  }

  private grow(mail: unknown[]): unknown[] {
    const next = new Array<unknown>(mail.length * 2);
    for (let i = 0; i < this.mailSize; i++) next[i] = mail[(this.mailHead + i) & (mail.length - 1)];
    this.mail = next;
    this.mailHead = 0;
    return next;
  }

  /** Counts one message queued for `to`; only call when `sent` is not null. */
  countSent(to: AgentRef | string): void {
    const sent = this.sent as Record<string, number>;
    const id = typeof to === 'string' ? to : to.id;
    sent[id] = (sent[id] ?? 0) + 1;
  }

  /** The top of the supervision tree this cell is in (itself when it has no supervisor). */
  get root(): Cell {
    let cell: Cell = this;
    while (cell.parent !== null) cell = cell.parent;
    return cell;
  }

  /** Alive: may still handle messages in this incarnation. */
  get alive(): boolean {
    return this.status <= STOPPING;
  }
}
