import type { Clock, Random, TimerHandle } from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { type Observable, Subject } from 'rxjs';
import { NotLeaderError, RaftError } from './errors';
import { validateNodeOptions } from './internal/node-options';
import { Deadlines, type Waiter } from './internal/pending-requests';
import type { ConfChange, ConfState, Entry, NodeId } from './messages';
import {
  createRaftCore,
  type ProposeResult,
  type RaftCore,
  type RaftCoreOptions,
  type RaftCoreStatus,
  type RaftRole,
} from './raft-core';
import type { RaftStorage } from './storage';
import type { RaftTransport } from './transport';

/** The application state a node keeps in step with the log. */
export interface RaftStateMachine {
  /** Applies one committed entry (never a no-op); the value goes back to whoever proposed it. */
  apply(entry: Entry): unknown;
  /** The whole state, for compaction and for followers too far behind. */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's. */
  restore(data: Uint8Array): void | Promise<void>;
}

/** What applying one entry gave, kept so a late answer to a forwarded proposal can settle it. */
interface AppliedOutcome {
  readonly index: number;
  readonly term: number;
  readonly outcome: { readonly ok: boolean; readonly value: unknown };
}

/** Options of {@link startRaftNode}. */
export interface StartRaftNodeOptions {
  readonly id: NodeId;
  /** The voters of a new cluster (ignored once the storage holds a configuration). */
  readonly peers: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  readonly storage: RaftStorage;
  readonly transport: RaftTransport;
  readonly clock: Clock;
  readonly random: Random;
  /** Milliseconds per core tick. Default 100, so the default 10-tick election timeout is 1 s. */
  readonly tickMs?: number;
  /** Core options: election and heartbeat ticks, pre-vote, check-quorum, flow control. */
  readonly raft?: Omit<RaftCoreOptions, 'id' | 'peers' | 'learners' | 'state' | 'random'>;
  readonly stateMachine?: RaftStateMachine;
  /** Take a snapshot and compact after this many applied entries; 0 never does. Default 0. */
  readonly snapshotEvery?: number;
  /** How long `propose` and `read` wait by default, in ms. Default 5,000. */
  readonly timeoutMs?: number;
  /** How long one `apply` may take before it counts as failed, in ms. Default 5,000. */
  readonly applyTimeoutMs?: number;
}

/** Per-call options of `propose` and `read`. */
export interface RequestOptions {
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A committed and applied proposal. */
export interface Applied {
  readonly index: number;
  readonly term: number;
  /** What the state machine's `apply` returned. */
  readonly result: unknown;
}

/** What a node reports on `events$`. */
export type RaftEvent =
  | { readonly type: 'leader-changed'; readonly leader: NodeId | null; readonly term: number }
  | { readonly type: 'role-changed'; readonly role: RaftRole; readonly term: number }
  | { readonly type: 'membership-changed'; readonly conf: ConfState }
  | { readonly type: 'snapshot-taken'; readonly index: number }
  | { readonly type: 'snapshot-installed'; readonly index: number }
  | { readonly type: 'follower-lag'; readonly lag: Readonly<Record<NodeId, number>> }
  | { readonly type: 'apply-failed'; readonly index: number; readonly error: RaftError }
  | { readonly type: 'node-stopped'; readonly error: RaftError | null };

/** A running Raft node. */
export interface RaftNode {
  readonly id: NodeId;
  /**
   * Proposes data; resolves once it is committed and applied on this node, or rejects with
   * `RAFT_NOT_LEADER` (with a leader hint), `RAFT_PROPOSAL_DROPPED`, `RAFT_TIMEOUT` or
   * `RAFT_NO_QUORUM`.
   */
  propose(data: Uint8Array, options?: RequestOptions): Promise<Applied>;
  /** Proposes a membership change; resolves once it is applied here. */
  proposeConfChange(change: ConfChange, options?: RequestOptions): Promise<Applied>;
  /** A linearizable read point (ReadIndex): resolves once this node applied up to it. */
  read(options?: RequestOptions): Promise<{ readonly index: number }>;
  /** Asks the leader to hand leadership to `target`; aborted after an election timeout. */
  transferLeader(target: NodeId): void;
  /** Starts an election now. */
  campaign(): void;
  status(): RaftCoreStatus & { readonly pendingProposals: number; readonly pendingReads: number };
  readonly events$: Observable<RaftEvent>;
  /** Stops ticking, closes storage and transport; every pending call rejects with `RAFT_STOPPED`. */
  stop(): Promise<void>;
}

type Submission =
  | { kind: 'data'; data: Uint8Array; waiter: Waiter<Applied>; context: string }
  | { kind: 'conf'; change: ConfChange; waiter: Waiter<Applied>; context: string };

/**
 * Starts a Raft node: loads its storage, runs the core's ready loop (one durable write at a time;
 * proposals arriving meanwhile go into the next write, a group commit), ticks on the clock, and
 * settles every request.
 *
 * @example
 * const node = await startRaftNode({
 *   id: 'a', peers: ['a', 'b', 'c'], storage: createMemoryStorage(),
 *   transport: network.transport('a'), clock: systemClock, random: createRandom(1),
 * });
 * const { index } = await node.propose(new TextEncoder().encode('hello'));
 */
export async function startRaftNode(options: StartRaftNodeOptions): Promise<RaftNode> {
  const o = validateNodeOptions(options);
  const { storage, transport, clock, stateMachine } = o;
  const state = await storage.load();
  if (state.snapshot !== null && stateMachine !== undefined) {
    await stateMachine.restore(state.snapshot.data);
  }
  const core: RaftCore = createRaftCore({
    ...o.raft,
    id: o.id,
    peers: o.peers,
    learners: o.learners,
    state,
    random: o.random,
  });
  const events$ = new Subject<RaftEvent>();
  const deadlines = new Deadlines(clock);
  const byIndex = new Map<number, { term: number; waiter: Waiter<Applied> }>();
  const forwarded = new Map<string, Submission>();
  // The last applied entries' outcomes, for a forwarded proposal whose leader answer arrives after
  // the follower already applied the entry (the append overtook the answer).
  const recentlyApplied = new Map<number, AppliedOutcome>();
  const rememberApplied = (done: AppliedOutcome) => {
    recentlyApplied.set(done.index, done);
    if (recentlyApplied.size > 4_096) {
      recentlyApplied.delete(recentlyApplied.keys().next().value as number);
    }
  };
  const settle = (pending: { term: number; waiter: Waiter<Applied> }, done: AppliedOutcome) => {
    if (pending.term !== done.term) {
      pending.waiter.reject(
        new RaftError({
          code: 'RAFT_PROPOSAL_DROPPED',
          message: `raft node ${o.id}: proposal at ${done.index} was overwritten by a new leader`,
        }),
      );
    } else if (!done.outcome.ok) pending.waiter.reject(done.outcome.value as RaftError);
    else pending.waiter.resolve({ index: done.index, term: done.term, result: done.outcome.value });
  };
  let waitingForLeader: Submission[] = [];
  const reads = new Map<string, Waiter<{ index: number }>>();
  let readsAt: { index: number; waiter: Waiter<{ index: number }> }[] = [];
  let nextContext = 0;
  let applied = state.snapshot?.metadata.index ?? 0;
  let lastSnapshotIndex = applied;
  let writing = false;
  let scheduled = false;
  let stopped = false;
  let ticks = 0;
  let tickTimer: TimerHandle | undefined;
  let seen = { leader: null as NodeId | null, term: -1, role: 'follower' as RaftRole };
  let seenConf = core.softState().conf;
  const contextPrefix = `${o.id}:${o.random.int(0, 2 ** 31)}:`;

  const noQuorumOrTimeout = (what: string, timeoutMs: number) => () => {
    const status = core.softState();
    if (status.leader === null) {
      return new RaftError({
        code: 'RAFT_NO_QUORUM',
        message: `raft node ${o.id}: ${what} found no leader within ${timeoutMs} ms (no quorum reachable)`,
      });
    }
    return new RaftError({
      code: 'RAFT_TIMEOUT',
      message: `raft node ${o.id}: ${what} did not complete within ${timeoutMs} ms (leader ${status.leader})`,
    });
  };

  const kick = () => {
    // A forward to the leader (or its answer) need not wait for this node's write in flight.
    if (writing && !stopped) {
      const forwards = core.takeForwards();
      if (forwards.length > 0) transport.send(forwards);
    }
    if (scheduled || writing || stopped) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      void pump();
    });
  };

  const submit = (s: Submission) => {
    const result: ProposeResult =
      s.kind === 'data'
        ? core.propose(s.data, s.context)
        : core.proposeConfChange(s.change, s.context);
    if (result.type === 'appended')
      byIndex.set(result.index, { term: result.term, waiter: s.waiter });
    else if (result.type === 'forwarded') forwarded.set(s.context, s);
    else if (result.reason === 'no-leader') waitingForLeader.push(s);
    else if (result.reason === 'forwarding-disabled') {
      s.waiter.reject(
        new NotLeaderError({
          message: `raft node ${o.id} is not the leader; ${result.leader} is`,
          leader: result.leader,
        }),
      );
    } else {
      s.waiter.reject(
        new RaftError({
          code: 'RAFT_PROPOSAL_DROPPED',
          message: `raft node ${o.id}: proposal dropped (${result.reason})`,
        }),
      );
    }
    kick();
  };

  const issueRead = (context: string) => {
    const result = core.readIndex(context);
    // Without a leader the read waits in `reads`, and is issued again when one appears.
    if (result.type !== 'pending' && result.type !== 'dropped') return;
    kick();
  };

  const watchStatus = () => {
    const status = core.softState();
    if (status.leader !== seen.leader || status.term !== seen.term) {
      events$.next({ type: 'leader-changed', leader: status.leader, term: status.term });
      if (status.leader !== null && status.leader !== seen.leader) {
        const waiting = waitingForLeader;
        waitingForLeader = [];
        for (const s of waiting) if (!s.waiter.settled()) submit(s);
        for (const context of reads.keys()) issueRead(context);
      }
    }
    if (status.role !== seen.role) {
      events$.next({ type: 'role-changed', role: status.role, term: status.term });
    }
    seen = { leader: status.leader, term: status.term, role: status.role };
    if (status.conf !== seenConf) {
      seenConf = status.conf;
      events$.next({ type: 'membership-changed', conf: status.conf });
    }
  };

  const applyFailed = (entry: Entry, cause: unknown) => {
    const error = new RaftError({
      code: 'RAFT_APPLY_FAILED',
      message: `raft node ${o.id}: the state machine failed to apply entry ${entry.index}`,
      cause,
    });
    events$.next({ type: 'apply-failed', index: entry.index, error });
    return { ok: false, value: error };
  };

  /** Applies one entry; a promise only when the state machine answered with one. */
  const applyEntry = (
    entry: Entry,
  ): { ok: boolean; value: unknown } | Promise<{ ok: boolean; value: unknown }> => {
    if (stateMachine === undefined || entry.type !== 'normal' || entry.data.byteLength === 0) {
      return { ok: true, value: undefined };
    }
    let value: unknown;
    try {
      value = stateMachine.apply(entry);
    } catch (cause) {
      return applyFailed(entry, cause);
    }
    return value instanceof Promise ? awaitApply(entry, value) : { ok: true, value };
  };

  const awaitApply = async (entry: Entry, value: Promise<unknown>) => {
    let timer: TimerHandle | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = clock.setTimeout(
          () => reject(new Error(`apply did not settle within ${o.applyTimeoutMs} ms`)),
          o.applyTimeoutMs,
        );
      });
      return { ok: true, value: await Promise.race([value, timeout]) };
    } catch (cause) {
      return applyFailed(entry, cause);
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
  };

  const settleReads = () => {
    if (readsAt.length === 0) return;
    const still: typeof readsAt = [];
    for (const read of readsAt) {
      if (read.index <= applied) read.waiter.resolve({ index: read.index });
      else still.push(read);
    }
    readsAt = still;
  };

  const pump = async (): Promise<void> => {
    while (!stopped && !writing && core.hasReady()) {
      writing = true;
      const ready = core.ready();
      try {
        const written =
          ready.hardState !== null || ready.entries.length > 0 || ready.snapshot !== null
            ? storage.write({
                hardState: ready.hardState,
                entries: ready.entries,
                snapshot: ready.snapshot,
              })
            : undefined;
        // Awaited below, before this ready is advanced; a failure stops the node there.
        written?.catch(() => undefined);
        // Only what the write makes durable waits for it: a leader's appends and a new commit
        // index go out (and already durable entries are applied) while the disk syncs.
        if (!ready.sendBeforeWrite) await written;
        if (stopped) return;
        transport.send(ready.messages);
        if (!ready.applyBeforeWrite) await written;
        if (stopped) return;
        if (ready.snapshot !== null) {
          const index = ready.snapshot.metadata.index;
          await stateMachine?.restore(ready.snapshot.data);
          applied = index;
          lastSnapshotIndex = index;
          for (const [at, pending] of byIndex) {
            if (at > index) continue;
            byIndex.delete(at);
            pending.waiter.reject(
              new RaftError({
                code: 'RAFT_TIMEOUT',
                message: `raft node ${o.id}: outcome of entry ${at} unknown, a snapshot replaced the log`,
              }),
            );
          }
          events$.next({ type: 'snapshot-installed', index });
        }
        for (const result of ready.proposals) {
          const s = forwarded.get(result.context);
          if (s === undefined) continue;
          forwarded.delete(result.context);
          if (result.dropped) {
            s.waiter.reject(
              new RaftError({
                code: 'RAFT_PROPOSAL_DROPPED',
                message: `raft node ${o.id}: the leader dropped the forwarded proposal`,
              }),
            );
          } else if (result.index <= applied) {
            // Applied before the leader's answer arrived: the term tells whether it was ours.
            const done = recentlyApplied.get(result.index);
            if (done === undefined) {
              s.waiter.reject(
                new RaftError({
                  code: 'RAFT_TIMEOUT',
                  message: `raft node ${o.id}: outcome of forwarded entry ${result.index} unknown`,
                }),
              );
            } else settle({ term: result.term, waiter: s.waiter }, done);
          } else byIndex.set(result.index, { term: result.term, waiter: s.waiter });
        }
        for (const entry of ready.committedEntries) {
          const attempt = applyEntry(entry);
          const outcome = attempt instanceof Promise ? await attempt : attempt;
          applied = entry.index;
          const done = { index: entry.index, term: entry.term, outcome };
          rememberApplied(done);
          const pending = byIndex.get(entry.index);
          if (pending === undefined) continue;
          byIndex.delete(entry.index);
          settle(pending, done);
        }
        for (const readState of ready.readStates) {
          const waiter = reads.get(readState.context);
          if (waiter === undefined) continue;
          reads.delete(readState.context);
          readsAt.push({ index: readState.index, waiter });
        }
        await written;
        if (stopped) return;
        settleReads();
        core.advance();
        if (o.snapshotEvery > 0 && applied - lastSnapshotIndex >= o.snapshotEvery && stateMachine) {
          const snapshot = core.compact(await stateMachine.snapshot());
          await storage.compact(snapshot);
          lastSnapshotIndex = snapshot.metadata.index;
          events$.next({ type: 'snapshot-taken', index: lastSnapshotIndex });
        }
      } catch (cause) {
        await halt(
          new RaftError({
            code: 'RAFT_STOPPED',
            message: `raft node ${o.id} stopped: ${toErrorInfo(cause).message}`,
            cause,
          }),
        );
        return;
      } finally {
        writing = false;
      }
      watchStatus();
    }
  };

  const tick = () => {
    if (stopped) return;
    core.tick();
    ticks += 1;
    deadlines.sweep();
    // Forwarded proposals whose caller gave up are forgotten.
    for (const [context, s] of forwarded) if (s.waiter.settled()) forwarded.delete(context);
    if (ticks % 10 === 0 && core.softState().role === 'leader') {
      const status = core.status();
      const lag: Record<NodeId, number> = Object.create(null);
      for (const [id, pr] of status.progress)
        if (id !== o.id) lag[id] = status.lastIndex - pr.match;
      events$.next({ type: 'follower-lag', lag });
    }
    watchStatus();
    kick();
    tickTimer = clock.setTimeout(tick, o.tickMs);
  };

  const halt = async (error: RaftError | null) => {
    if (stopped) return;
    stopped = true;
    if (tickTimer !== undefined) clock.clearTimeout(tickTimer);
    const reason =
      error ?? new RaftError({ code: 'RAFT_STOPPED', message: `raft node ${o.id} was stopped` });
    for (const { waiter } of byIndex.values()) waiter.reject(reason);
    for (const s of forwarded.values()) s.waiter.reject(reason);
    for (const s of waitingForLeader) s.waiter.reject(reason);
    for (const waiter of reads.values()) waiter.reject(reason);
    for (const { waiter } of readsAt) waiter.reject(reason);
    deadlines.clear();
    events$.next({ type: 'node-stopped', error });
    events$.complete();
    // A close that throws at once instead of rejecting is settled the same way.
    await Promise.allSettled(
      [async () => transport.close(), async () => storage.close()].map((close) => close()),
    );
  };

  transport.listen((message) => {
    if (stopped) return;
    try {
      core.step(message);
    } catch (error) {
      // A malformed message is the sender's problem; this node carries on.
      if (RaftError.isInstance(error, 'RAFT_INVALID_ARGUMENT')) return;
      // Anything else is a fault of this node, reported as its stop rather than thrown into the
      // transport's delivery, which has no one to throw to.
      void halt(
        new RaftError({
          code: 'RAFT_STOPPED',
          message: `raft node ${o.id} stopped: a message failed: ${toErrorInfo(error).message}`,
          cause: error,
        }),
      );
      return;
    }
    kick();
  });
  tickTimer = clock.setTimeout(tick, o.tickMs);
  watchStatus();

  const request = <T>(what: string, options: RequestOptions | undefined) => {
    const { timeoutMs, signal } = readRequestOptions(options, o.timeoutMs);
    const waiter = deadlines.add<T>(timeoutMs, noQuorumOrTimeout(what, timeoutMs), signal);
    return { promise: waiter.promise, waiter };
  };

  const stoppedError = () =>
    new RaftError({ code: 'RAFT_STOPPED', message: `raft node ${o.id} is stopped` });

  return {
    id: o.id,
    propose(data, options) {
      if (!(data instanceof Uint8Array)) {
        return Promise.reject(
          new RaftError({
            code: 'RAFT_INVALID_ARGUMENT',
            message: `raft node ${o.id}: propose: data must be a Uint8Array (got ${typeof data})`,
          }),
        );
      }
      if (stopped) return Promise.reject(stoppedError());
      try {
        const context = contextPrefix + nextContext++;
        const { promise, waiter } = request<Applied>('propose', options);
        submit({ kind: 'data', data, waiter, context });
        return promise;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    proposeConfChange(change, options) {
      if (stopped) return Promise.reject(stoppedError());
      try {
        const context = contextPrefix + nextContext++;
        const { promise, waiter } = request<Applied>('proposeConfChange', options);
        try {
          submit({ kind: 'conf', change, waiter, context });
        } catch (error) {
          waiter.reject(error as RaftError);
        }
        return promise;
      } catch (error) {
        return Promise.reject(error);
      }
    },
    read(options) {
      if (stopped) return Promise.reject(stoppedError());
      let timeoutMs: number;
      let signal: AbortSignal | undefined;
      try {
        ({ timeoutMs, signal } = readRequestOptions(options, o.timeoutMs));
      } catch (error) {
        return Promise.reject(error);
      }
      const context = contextPrefix + nextContext++;
      const waiter = deadlines.add<{ index: number }>(
        timeoutMs,
        noQuorumOrTimeout('read', timeoutMs),
        signal,
        () => reads.delete(context),
      );
      reads.set(context, waiter);
      issueRead(context);
      return waiter.promise;
    },
    transferLeader(target) {
      core.transferLeader(target);
      kick();
    },
    campaign() {
      core.campaign();
      watchStatus();
      kick();
    },
    status() {
      return {
        ...core.status(),
        pendingProposals: byIndex.size + forwarded.size + waitingForLeader.length,
        pendingReads: reads.size + readsAt.length,
      };
    },
    events$: events$.asObservable(),
    stop: () => halt(null),
  };
}

/** A request's options, read once; anything but `{ timeoutMs?, signal? }` is refused. */
function readRequestOptions(
  options: unknown,
  fallback: number,
): { timeoutMs: number; signal: AbortSignal | undefined } {
  if (options === undefined) return { timeoutMs: fallback, signal: undefined };
  const refuse = (message: string, cause?: unknown) =>
    new RaftError({ code: 'RAFT_INVALID_ARGUMENT', message: `raft node: ${message}`, cause });
  if (typeof options !== 'object' || options === null)
    throw refuse(`options must be an object (got ${describeValue(options)})`);
  let timeoutMs: unknown;
  let signal: unknown;
  let isSignal = false;
  try {
    ({ timeoutMs, signal } = options as RequestOptions);
    isSignal = signal instanceof AbortSignal;
  } catch (cause) {
    throw refuse(`the options could not be read (${toErrorInfo(cause).message})`, cause);
  }
  if (signal !== undefined && !isSignal)
    throw refuse(`options.signal must be an AbortSignal (got ${describeValue(signal)})`);
  return {
    timeoutMs: checkTimeout(timeoutMs, fallback),
    signal: signal as AbortSignal | undefined,
  };
}

function checkTimeout(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  // Up to 2^31 - 1: Node fires a longer timer after 1 ms.
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 2 ** 31 - 1) {
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `raft node: timeoutMs must be a number of ms in (0, 2^31 - 1] (got ${describeValue(value)})`,
    });
  }
  return value;
}
