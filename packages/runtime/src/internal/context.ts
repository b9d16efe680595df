import type { AgentRef, Clock, ExitReason, Random } from '@varplane/core';
import type {
  AgentContext,
  AnyBehaviour,
  Behaviour,
  CallOptions,
  Replier,
  SendOptions,
  SpawnOptions,
} from '../behaviour';
import { AgentNotRunningError, CallError } from '../errors';
import type { Cell } from './cell';
import type { Kernel } from './kernel';
import { wantsAtLeastOnce } from './send-options';
import { checkTimeoutMs } from './timeouts';

const NO_REPLIER: Replier<never> = { resolve() {}, reject() {} };

/**
 * The context a behaviour gets: one small object per incarnation of an agent, its methods on the
 * prototype. An async step can outlive its incarnation (the agent is killed while it awaits, and
 * restarted): everything it then does through this context is ignored and reported as a
 * `stale-step` event, so it cannot answer, stop or speak for the next incarnation. The public
 * layer supplies `spawn` (it validates options) through `spawnFrom`.
 */
export class Context implements AgentContext {
  /** The incarnation this context acts for. */
  readonly incarnation: number;

  constructor(
    readonly cell: Cell,
    readonly kernel: Kernel,
    private readonly spawnFrom: (
      parent: Cell,
      behaviour: AnyBehaviour,
      args: unknown,
      options: SpawnOptions | undefined,
    ) => AgentRef,
  ) {
    this.incarnation = cell.incarnation;
  }

  /** True (and reported) when this context's incarnation has ended. */
  private stale(operation: string): boolean {
    if (this.cell.incarnation === this.incarnation) return false;
    const { kernel, cell } = this;
    kernel.emit({ type: 'stale-step', at: kernel.clock.now(), agent: cell.id, operation });
    return true;
  }

  private staleError(operation: string): AgentNotRunningError {
    return new AgentNotRunningError(this.cell.id, {
      message: `${operation}: this step of agent ${this.cell.id} outlived its incarnation`,
    });
  }

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
    const current = this.cell.current;
    return current !== null && !current.cast && this.cell.incarnation === this.incarnation;
  }

  send(to: AgentRef | string, message: unknown, options?: SendOptions): boolean {
    const atLeastOnce = options !== undefined && wantsAtLeastOnce(options, 'ctx.send');
    if (this.stale('send')) return false;
    const queued = this.kernel.send(to, message, atLeastOnce);
    // One field test for agents that do not count (all but a space's agents).
    if (queued && this.cell.sent !== null) this.cell.countSent(to);
    return queued;
  }

  call<Reply>(to: AgentRef | string, message: unknown, options?: CallOptions): Promise<Reply> {
    if (this.stale('call')) return Promise.reject(this.staleError('call'));
    const timeout = options?.timeout;
    if (timeout !== undefined) {
      try {
        checkTimeoutMs(timeout, 'ctx.call: options.timeout');
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.kernel.call(
      to,
      message,
      options?.timeout ?? this.kernel.callTimeoutMs,
      this.cell,
    ) as Promise<Reply>;
  }

  reply(value: unknown): void {
    if (this.stale('reply')) return;
    const call = this.cell.current;
    if (call === null || call.cast) throw this.noCall('reply');
    call.resolve(value);
  }

  deferReply<Reply>(): Replier<Reply> {
    if (this.stale('deferReply')) return NO_REPLIER;
    const call = this.cell.current;
    if (call === null || call.cast) throw this.noCall('deferReply');
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
    checkTimeoutMs(ms, 'sendAfter: ms', true);
    if (this.stale('sendAfter')) return () => {};
    const { cell, kernel, incarnation } = this;
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
    if (this.stale('broadcast')) return 0;
    const ids = this.kernel.neighbours?.(this.cell.id) ?? [];
    let sent = 0;
    for (const id of ids) if (this.send(id, message)) sent++;
    return sent;
  }

  spawn<S, M, A>(behaviour: Behaviour<S, M, A>, args?: A, options?: SpawnOptions): AgentRef {
    if (this.stale('spawn')) throw this.staleError('spawn');
    return this.spawnFrom(this.cell, behaviour, args, options);
  }

  link(other: AgentRef | string): void {
    if (this.stale('link')) return;
    this.kernel.exits.link(this.cell, this.target(other));
  }

  unlink(other: AgentRef | string): void {
    if (this.stale('unlink')) return;
    const cell = this.kernel.lookup(other);
    if (cell !== undefined) this.kernel.exits.unlink(this.cell, cell);
  }

  monitor(other: AgentRef | string): number {
    if (this.stale('monitor')) throw this.staleError('monitor');
    return this.kernel.exits.monitor(this.cell, this.target(other));
  }

  demonitor(monitor: number): void {
    if (this.stale('demonitor')) return;
    this.kernel.exits.demonitor(monitor);
  }

  trapExits(on: boolean): void {
    if (this.stale('trapExits')) return;
    this.cell.trapExits = on;
  }

  stop(reason: ExitReason = 'normal', options?: { timeout?: number | 'infinity' }): void {
    const timeout = options?.timeout ?? 'infinity';
    if (timeout !== 'infinity') checkTimeoutMs(timeout, 'stop: options.timeout');
    if (this.stale('stop')) return;
    void this.kernel.shutdown(this.cell, reason, timeout);
  }

  spend(usage: { tokens?: number; cost?: number }): void {
    this.kernel.ledger.spend(this.cell.id, usage);
  }

  whereis(name: string): AgentRef | undefined {
    return this.kernel.registry.whereis(name);
  }

  /** The cell `other` names, or a ref to it when it is gone (links and monitors say `noproc`). */
  private target(other: AgentRef | string): Cell | AgentRef {
    const cell = this.kernel.lookup(other);
    if (cell !== undefined) return cell;
    return typeof other === 'string' ? { id: other, node: this.kernel.node } : other;
  }
}
