import type { AgentRef, Clock, ExitReason, Random } from '@varplane/core';
import type {
  AgentContext,
  AnyBehaviour,
  Behaviour,
  CallOptions,
  Replier,
  SpawnOptions,
} from '../behaviour';
import { AgentNotFoundError, CallError } from '../errors';
import type { Cell } from './cell';
import type { Kernel } from './kernel';

/**
 * The context a behaviour gets: one small object per agent, its methods on the prototype. The
 * public layer supplies `spawn` (it validates options) through `spawnFrom`.
 */
export class Context implements AgentContext {
  constructor(
    readonly cell: Cell,
    readonly kernel: Kernel,
    private readonly spawnFrom: (
      parent: Cell,
      behaviour: AnyBehaviour,
      args: unknown,
      options: SpawnOptions | undefined,
    ) => AgentRef,
  ) {}

  get self(): AgentRef {
    return this.cell.ref;
  }

  get clock(): Clock {
    return this.kernel.clock;
  }

  get random(): Random {
    return this.kernel.random;
  }

  get isCall(): boolean {
    return this.cell.current !== null;
  }

  send(to: AgentRef | string, message: unknown): boolean {
    const queued = this.kernel.send(to, message);
    // One field test for agents that do not count (all but a space's agents).
    if (queued && this.cell.sent !== null) this.cell.countSent(to);
    return queued;
  }

  call<Reply>(to: AgentRef | string, message: unknown, options?: CallOptions): Promise<Reply> {
    return this.kernel.call(
      to,
      message,
      options?.timeout ?? this.kernel.callTimeoutMs,
      this.cell,
    ) as Promise<Reply>;
  }

  reply(value: unknown): void {
    const call = this.cell.current;
    if (call === null) throw this.noCall('reply');
    call.resolve(value);
  }

  deferReply<Reply>(): Replier<Reply> {
    const call = this.cell.current;
    if (call === null) throw this.noCall('deferReply');
    call.deferred = true;
    return {
      resolve: (value) => void call.resolve(value),
      reject: (error) => void call.reject(error),
    };
  }

  private noCall(method: string): CallError {
    return new CallError(this.cell.id, {
      code: 'REPLY_OUTSIDE_CALL',
      message: `${method}: agent ${this.cell.id} is not handling a call`,
    });
  }

  sendAfter(ms: number, message: unknown): () => void {
    const { cell, kernel } = this;
    const incarnation = cell.incarnation;
    const timer = kernel.clock.setTimeout(() => {
      if (cell.incarnation === incarnation) kernel.enqueue(cell, message);
    }, ms);
    return () => kernel.clock.clearTimeout(timer);
  }

  neighbours(): readonly AgentRef[] {
    const ids = this.kernel.neighbours?.(this.cell.id) ?? [];
    return ids.map((id) => this.kernel.cells.get(id)?.ref ?? { id, node: this.kernel.node });
  }

  broadcast(message: unknown): number {
    const ids = this.kernel.neighbours?.(this.cell.id) ?? [];
    let sent = 0;
    for (const id of ids) if (this.send(id, message)) sent++;
    return sent;
  }

  spawn<S, M, A>(behaviour: Behaviour<S, M, A>, args?: A, options?: SpawnOptions): AgentRef {
    return this.spawnFrom(this.cell, behaviour, args, options);
  }

  link(other: AgentRef | string): void {
    this.kernel.exits.link(this.cell, this.require(other));
  }

  unlink(other: AgentRef | string): void {
    const cell = this.kernel.lookup(other);
    if (cell !== undefined) this.kernel.exits.unlink(this.cell, cell);
  }

  monitor(other: AgentRef | string): number {
    return this.kernel.exits.monitor(this.cell, this.require(other));
  }

  demonitor(monitor: number): void {
    this.kernel.exits.demonitor(monitor);
  }

  trapExits(on: boolean): void {
    this.cell.trapExits = on;
  }

  stop(reason: ExitReason = 'normal'): void {
    void this.kernel.shutdown(this.cell, reason, 'infinity');
  }

  spend(usage: { tokens?: number; cost?: number }): void {
    this.kernel.ledger.spend(this.cell.id, usage);
  }

  whereis(name: string): AgentRef | undefined {
    return this.kernel.registry.whereis(name);
  }

  private require(other: AgentRef | string): Cell {
    const cell = this.kernel.lookup(other);
    if (cell === undefined)
      throw new AgentNotFoundError(typeof other === 'string' ? other : other.id);
    return cell;
  }
}
