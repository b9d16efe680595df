import type { Clock, Random } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { deliverContained } from './deliver-contained';
import { RaftError } from './errors';
import { checkString, readSafely } from './internal/read-field';
import type { NodeId, RaftMessage } from './messages';
import type { RaftTransport } from './transport';

/** The faults a {@link SimulatedNetwork} injects into every message. */
export interface NetworkFaults {
  /** Probability a message is lost, in [0, 1]. */
  readonly dropRate?: number;
  /** Probability a message arrives twice, in [0, 1]. */
  readonly duplicateRate?: number;
  /** Delay of each delivery, drawn in [minDelayMs, maxDelayMs]; different delays reorder. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** Options of {@link createSimulatedNetwork}. */
export interface SimulatedNetworkOptions extends NetworkFaults {
  /** Delays run on it; with a manual clock, tests move time by hand. */
  readonly clock: Clock;
  /** Decides drops, duplicates and delays, so a run replays from its seed. */
  readonly random: Random;
  /**
   * Told of each message whose handler threw, with a `RAFT_DELIVERY_FAILED` error (the handler's
   * throw as its cause). Deliveries run in timers and microtasks, where a throw would kill the
   * process. Default: a process warning.
   */
  readonly onDeliveryError?: (error: RaftError) => void;
}

/** Counters of what the network did. */
export interface NetworkStats {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly duplicated: number;
  /** Delivered messages whose handler threw. */
  readonly failed: number;
}

/** An in-process network of Raft nodes that can be made to misbehave. */
export interface SimulatedNetwork {
  /** The transport of node `id` (one per node). */
  transport(id: NodeId): RaftTransport;
  /** Cuts both directions between every node of `a` and every node of `b`. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void;
  /** Cuts one direction only: `from` can no longer reach `to`, while `to` still reaches `from`. */
  cut(from: NodeId, to: NodeId): void;
  /** Restores every link. */
  heal(): void;
  /** Changes the faults from now on. */
  setFaults(faults: NetworkFaults): void;
  stats(): NetworkStats;
}

function checkRate(value: unknown, field: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `simulated network: ${field} must be a number in [0, 1] (got ${describeValue(value)})`,
    });
  }
  return value;
}

function checkDelay(value: unknown, field: string): number {
  if (value === undefined) return 0;
  // Up to 2^31 - 1 ms: Node fires a longer timer after 1 ms.
  if (typeof value !== 'number' || !(value >= 0 && value <= 2 ** 31 - 1)) {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `simulated network: ${field} must be a number of ms in [0, 2^31 - 1] (got ${describeValue(value)})`,
    });
  }
  return value;
}

/**
 * A network in one process for tests, simulations and benchmarks. Without faults and delays,
 * messages sent in one turn are delivered together in a microtask, in order; with them, each
 * delivery waits on the clock.
 *
 * @example
 * const network = createSimulatedNetwork({ clock, random: createRandom(7), dropRate: 0.05 });
 * const node = await startRaftNode({ ..., transport: network.transport('a') });
 * network.partition(['a'], ['b', 'c']);
 */
export function createSimulatedNetwork(options: SimulatedNetworkOptions): SimulatedNetwork {
  return readSafely('createSimulatedNetwork', 'RAFT_INVALID_OPTIONS', () => build(options));
}

function hasMethods(value: unknown, methods: readonly string[]): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  );
}

function invalidOptions(message: string): RaftError {
  return new RaftError({ code: 'RAFT_INVALID_OPTIONS', message: `simulated network: ${message}` });
}

function checkIds(value: unknown, field: string): readonly NodeId[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string')) {
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `simulated network: ${field} must be an array of node ids (got ${describeValue(value)})`,
    });
  }
  return value;
}

function build(options: SimulatedNetworkOptions): SimulatedNetwork {
  if (typeof options !== 'object' || options === null)
    throw invalidOptions(`options must be an object (got ${describeValue(options)})`);
  const { clock, random } = options;
  if (!hasMethods(clock, ['now', 'setTimeout', 'clearTimeout']))
    throw invalidOptions(`clock must be a Clock (got ${describeValue(clock)})`);
  if (!hasMethods(random, ['next', 'chance']))
    throw invalidOptions(`random must be a Random (got ${describeValue(random)})`);
  const { onDeliveryError } = options;
  if (onDeliveryError !== undefined && typeof onDeliveryError !== 'function')
    throw invalidOptions(
      `onDeliveryError must be a function (got ${describeValue(onDeliveryError)})`,
    );
  const handlers = new Map<NodeId, (message: RaftMessage) => void>();
  const closed = new Set<NodeId>();
  const cuts = new Set<string>();
  let faults = resolve(options);
  let sent = 0;
  let delivered = 0;
  let dropped = 0;
  let duplicated = 0;
  let failed = 0;
  let batch: RaftMessage[] = [];
  let flushScheduled = false;

  function resolve(f: NetworkFaults) {
    if (typeof f !== 'object' || f === null)
      throw invalidOptions(`faults must be an object (got ${describeValue(f)})`);
    const minDelayMs = checkDelay(f.minDelayMs, 'minDelayMs');
    const maxDelayMs = checkDelay(f.maxDelayMs ?? minDelayMs, 'maxDelayMs');
    if (maxDelayMs < minDelayMs) {
      throw new RaftError({
        code: 'RAFT_INVALID_OPTIONS',
        message: `simulated network: maxDelayMs (${maxDelayMs}) must be >= minDelayMs (${minDelayMs})`,
      });
    }
    return {
      dropRate: checkRate(f.dropRate, 'dropRate'),
      duplicateRate: checkRate(f.duplicateRate, 'duplicateRate'),
      minDelayMs,
      maxDelayMs,
    };
  }

  const linkKey = (from: NodeId, to: NodeId) => JSON.stringify([from, to]);

  const deliver = (message: RaftMessage) => {
    // Checked at arrival too: a partition made while a message was in the air still stops it.
    if (cuts.has(linkKey(message.from, message.to)) || closed.has(message.to)) {
      dropped += 1;
      return;
    }
    const handler = handlers.get(message.to);
    if (handler === undefined) {
      dropped += 1;
      return;
    }
    delivered += 1;
    if (!deliverContained('simulated network', handler, message, onDeliveryError)) failed += 1;
  };

  const flush = () => {
    flushScheduled = false;
    const now = batch;
    batch = [];
    for (const message of now) deliver(message);
  };

  const dispatch = (message: RaftMessage) => {
    if (faults.maxDelayMs === 0) {
      batch.push(message);
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flush);
      }
      return;
    }
    const delay = faults.minDelayMs + random.next() * (faults.maxDelayMs - faults.minDelayMs);
    clock.setTimeout(() => deliver(message), delay);
  };

  const send = (from: NodeId, messages: readonly RaftMessage[]) => {
    if (closed.has(from)) return;
    for (const message of messages) {
      sent += 1;
      if (cuts.has(linkKey(from, message.to))) {
        dropped += 1;
        continue;
      }
      if (faults.dropRate > 0 && random.chance(faults.dropRate)) {
        dropped += 1;
        continue;
      }
      dispatch(message);
      if (faults.duplicateRate > 0 && random.chance(faults.duplicateRate)) {
        duplicated += 1;
        dispatch(message);
      }
    }
  };

  return {
    transport(id) {
      checkString(id, 'simulated network', 'transport id');
      closed.delete(id);
      return {
        id,
        send(messages) {
          if (!Array.isArray(messages)) {
            throw new RaftError({
              code: 'RAFT_INVALID_ARGUMENT',
              message: `simulated network: send takes an array of messages (got ${describeValue(messages)})`,
            });
          }
          // A message whose fields cannot be read is refused, not thrown on from inside the loop.
          readSafely('simulated network send', 'RAFT_INVALID_ARGUMENT', () => send(id, messages));
        },
        listen(handler) {
          if (typeof handler !== 'function') {
            throw new RaftError({
              code: 'RAFT_INVALID_ARGUMENT',
              message: `simulated network: listen takes a function (got ${describeValue(handler)})`,
            });
          }
          handlers.set(id, handler);
        },
        async close() {
          closed.add(id);
          handlers.delete(id);
        },
      };
    },
    partition(a, b) {
      const left = checkIds(a, 'partition a');
      const right = checkIds(b, 'partition b');
      for (const x of left) {
        for (const y of right) {
          cuts.add(linkKey(x, y));
          cuts.add(linkKey(y, x));
        }
      }
    },
    cut(from, to) {
      checkString(from, 'simulated network', 'cut from');
      checkString(to, 'simulated network', 'cut to');
      cuts.add(linkKey(from, to));
    },
    heal() {
      cuts.clear();
    },
    setFaults(next) {
      faults = readSafely('setFaults', 'RAFT_INVALID_OPTIONS', () => resolve(next));
    },
    stats: () => ({ sent, delivered, dropped, duplicated, failed }),
  };
}
