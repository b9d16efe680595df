import type { Clock, Random } from '@varplane/core';
import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from '../errors';
import type { NodeId } from '../messages';
import type { RaftStateMachine, StartRaftNodeOptions } from '../raft-node';
import type { RaftStorage } from '../storage';
import type { RaftTransport } from '../transport';

export interface ResolvedNodeOptions {
  id: NodeId;
  peers: readonly NodeId[];
  learners: readonly NodeId[];
  storage: RaftStorage;
  transport: RaftTransport;
  clock: Clock;
  random: Random;
  tickMs: number;
  raft: NonNullable<StartRaftNodeOptions['raft']>;
  stateMachine: RaftStateMachine | undefined;
  snapshotEvery: number;
  timeoutMs: number;
  applyTimeoutMs: number;
}

function refuse(field: string, value: unknown, expected: string): never {
  const shown =
    typeof value === 'object' && value !== null
      ? 'an object'
      : typeof value === 'function'
        ? 'a function'
        : describeValue(value);
  throw new RaftError({
    code: 'RAFT_INVALID_OPTIONS',
    message: `startRaftNode: ${field} must be ${expected} (got ${shown})`,
  });
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

function positive(
  value: unknown,
  field: string,
  fallback: number,
  allowZero = false,
  timer = false,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    refuse(field, value, allowZero ? 'a finite number >= 0' : 'a finite number > 0');
  }
  // Node fires a timer of 2^31 ms or more after 1 ms: a longer one would expire at once.
  if (timer && value > MAX_TIMER_MS) refuse(field, value, `at most ${MAX_TIMER_MS} ms`);
  return value;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks the driver's own options; the core checks its options itself. Options that cannot be
 * read (a Proxy, a getter that throws) are refused with `RAFT_INVALID_OPTIONS` too.
 */
export function validateNodeOptions(options: StartRaftNodeOptions): ResolvedNodeOptions {
  try {
    return validate(options);
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `startRaftNode: the options could not be read (${toErrorInfo(error).message})`,
      cause: error,
    });
  }
}

function validate(options: StartRaftNodeOptions): ResolvedNodeOptions {
  if (typeof options !== 'object' || options === null) refuse('options', options, 'an object');
  if (!hasMethods(options.storage, ['load', 'write', 'compact', 'close'])) {
    refuse('storage', options.storage, 'a RaftStorage (load, write, compact, close)');
  }
  if (!hasMethods(options.transport, ['send', 'listen', 'close'])) {
    refuse('transport', options.transport, 'a RaftTransport (send, listen, close)');
  }
  if (options.transport.id !== options.id) {
    refuse('transport.id', options.transport.id, `the node's id ${describeValue(options.id)}`);
  }
  if (!hasMethods(options.clock, ['now', 'setTimeout', 'clearTimeout'])) {
    refuse('clock', options.clock, 'a Clock (now, setTimeout, clearTimeout)');
  }
  if (
    options.stateMachine !== undefined &&
    !hasMethods(options.stateMachine, ['apply', 'snapshot', 'restore'])
  ) {
    refuse('stateMachine', options.stateMachine, 'a RaftStateMachine (apply, snapshot, restore)');
  }
  const snapshotEvery = positive(options.snapshotEvery, 'snapshotEvery', 0, true);
  if (!Number.isInteger(snapshotEvery)) refuse('snapshotEvery', snapshotEvery, 'an integer');
  if (snapshotEvery > 0 && options.stateMachine === undefined) {
    refuse('snapshotEvery', snapshotEvery, '0 without a stateMachine to snapshot');
  }
  return {
    id: options.id,
    peers: options.peers,
    learners: options.learners ?? [],
    storage: options.storage,
    transport: options.transport,
    clock: options.clock,
    random: options.random,
    tickMs: positive(options.tickMs, 'tickMs', 100, false, true),
    raft: options.raft ?? {},
    stateMachine: options.stateMachine,
    snapshotEvery,
    timeoutMs: positive(options.timeoutMs, 'timeoutMs', 5_000, false, true),
    applyTimeoutMs: positive(options.applyTimeoutMs, 'applyTimeoutMs', 5_000, false, true),
  };
}
