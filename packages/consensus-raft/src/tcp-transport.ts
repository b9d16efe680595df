import { connect, createServer, type Server, type Socket } from 'node:net';
import { type Clock, systemClock, type TimerHandle } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { deliverContained } from './deliver-contained';
import { RaftError } from './errors';
import { readSafely } from './internal/read-field';
import { decodeRaftMessage, encodeRaftMessage } from './message-codec';
import type { NodeId, RaftMessage } from './messages';
import type { RaftTransport } from './transport';

/** Where a node listens. */
export interface TcpAddress {
  readonly host: string;
  readonly port: number;
}

/** Options of {@link startTcpTransport}. */
export interface TcpTransportOptions {
  readonly id: NodeId;
  /** Where this node accepts connections; port 0 picks a free one (see `address`). */
  readonly listen: TcpAddress;
  /** Where every other node listens. Messages to a node not named here are dropped. */
  readonly peers: Readonly<Record<NodeId, TcpAddress>>;
  /**
   * Most messages queued for one peer while its connection is down or slow. A full queue drops its
   * oldest message: Raft retries, and newer messages carry more recent state. Default 4,096.
   */
  readonly maxQueuedMessages?: number;
  /** A frame larger than this closes the connection that sent it. Default 64 MiB. */
  readonly maxFrameBytes?: number;
  /** First and longest wait before redialing a peer, in ms; doubles in between. Default 20, 1,000. */
  readonly reconnectMs?: { readonly min: number; readonly max: number };
  /** Timers for redialing. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Told when the node's handler throws on a received message (`RAFT_DELIVERY_FAILED`); the
   * connection carries on. Default: a process warning.
   */
  readonly onDeliveryError?: (error: RaftError) => void;
}

/** Counters of a {@link TcpTransport}. */
export interface TcpTransportStats {
  readonly sent: number;
  readonly received: number;
  /** Dropped: to an unknown peer, from a full queue, or not meant for this node. */
  readonly dropped: number;
  /** Connections closed for sending a malformed or oversized frame. */
  readonly badFrames: number;
  readonly connects: number;
  /** Messages the node's handler threw on (reported through `onDeliveryError`). */
  readonly failed: number;
}

/** A {@link RaftTransport} over TCP, with the address it listens on and its counters. */
export interface TcpTransport extends RaftTransport {
  readonly address: TcpAddress;
  stats(): TcpTransportStats;
}

interface PeerLink {
  readonly address: TcpAddress;
  queue: Buffer[];
  socket: Socket | null;
  connected: boolean;
  writable: boolean;
  backoff: number;
  timer: TimerHandle | undefined;
}

/**
 * Starts a Raft transport over `node:net`: one outgoing connection to each peer, carrying frames of
 * `[u32 length][message]` (`encodeRaftMessage`). A lost connection is redialed with
 * exponential backoff; messages wait for it in a bounded queue per peer; a peer that sends garbage
 * is disconnected, never allowed to crash the node.
 *
 * @example
 * const transport = await startTcpTransport({
 *   id: 'a', listen: { host: '127.0.0.1', port: 7001 },
 *   peers: { b: { host: '127.0.0.1', port: 7002 }, c: { host: '127.0.0.1', port: 7003 } },
 * });
 */
export async function startTcpTransport(options: TcpTransportOptions): Promise<TcpTransport> {
  const o = readSafely('startTcpTransport', 'RAFT_INVALID_OPTIONS', () => validate(options));
  const clock = o.clock;
  let handler: ((message: RaftMessage) => void) | null = null;
  let closed = false;
  const stats = { sent: 0, received: 0, dropped: 0, badFrames: 0, connects: 0, failed: 0 };
  const inbound = new Set<Socket>();
  const links = new Map<NodeId, PeerLink>();
  for (const [peer, address] of Object.entries(o.peers)) {
    if (peer === o.id) continue;
    links.set(peer, {
      address,
      queue: [],
      socket: null,
      connected: false,
      writable: true,
      backoff: o.reconnectMs.min,
      timer: undefined,
    });
  }

  const deliver = (frame: Buffer) => {
    let message: RaftMessage;
    try {
      // A plain view, so the decoder copies entry bytes out (Buffer#slice would alias the chunk).
      message = decodeRaftMessage(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    } catch {
      return false;
    }
    if (message.to !== o.id) {
      stats.dropped += 1;
      return true;
    }
    stats.received += 1;
    if (handler !== null && !deliverContained('tcp transport', handler, message, o.onDeliveryError))
      stats.failed += 1;
    return true;
  };

  const server: Server = createServer((socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    inbound.add(socket);
    socket.setNoDelay(true);
    readFrames(socket, o.maxFrameBytes, deliver, () => {
      stats.badFrames += 1;
    });
    socket.on('close', () => inbound.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listen.port, o.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', () => undefined);
  const bound = server.address();
  const address: TcpAddress = {
    host: o.listen.host,
    port: typeof bound === 'object' && bound !== null ? bound.port : o.listen.port,
  };

  const flush = (link: PeerLink) => {
    if (!link.connected || !link.writable || link.queue.length === 0 || link.socket === null) {
      return;
    }
    const frames = link.queue;
    link.queue = [];
    stats.sent += frames.length;
    // One write per flush: the frames queued since the last one go out together.
    link.writable = link.socket.write(
      frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames),
    );
  };

  const dial = (link: PeerLink) => {
    link.timer = undefined;
    if (closed) return;
    const socket = connect({ host: link.address.host, port: link.address.port });
    link.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      stats.connects += 1;
      link.connected = true;
      link.writable = true;
      link.backoff = o.reconnectMs.min;
      flush(link);
    });
    socket.on('drain', () => {
      link.writable = true;
      flush(link);
    });
    // Peers never send on our outgoing connection; reading keeps the socket from stalling.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (link.socket !== socket) return;
      link.socket = null;
      link.connected = false;
      if (closed) return;
      link.timer = clock.setTimeout(() => dial(link), link.backoff);
      link.backoff = Math.min(link.backoff * 2, o.reconnectMs.max);
    });
  };
  for (const link of links.values()) dial(link);

  return {
    id: o.id,
    address,
    send(messages) {
      if (closed) return;
      if (!Array.isArray(messages)) {
        throw new RaftError({
          code: 'RAFT_INVALID_ARGUMENT',
          message: `tcp transport send: messages must be an array (got ${describeValue(messages)})`,
        });
      }
      // Encoded first: the encoder refuses a malformed message (naming the field) before any of
      // the batch is queued.
      const bodies = messages.map((message) => encodeRaftMessage(message));
      const touched = new Set<PeerLink>();
      bodies.forEach((body, i) => {
        const link = links.get((messages[i] as RaftMessage).to);
        if (link === undefined) {
          stats.dropped += 1;
          return;
        }
        const frame = Buffer.allocUnsafe(4 + body.byteLength);
        frame.writeUInt32LE(body.byteLength, 0);
        frame.set(body, 4);
        link.queue.push(frame);
        if (link.queue.length > o.maxQueuedMessages) {
          link.queue.shift();
          stats.dropped += 1;
        }
        touched.add(link);
      });
      for (const link of touched) flush(link);
    },
    listen(next) {
      if (typeof next !== 'function') {
        throw new RaftError({
          code: 'RAFT_INVALID_ARGUMENT',
          message: `tcp transport listen: handler must be a function (got ${describeValue(next)})`,
        });
      }
      handler = next;
    },
    async close() {
      if (closed) return;
      closed = true;
      handler = null;
      for (const link of links.values()) {
        if (link.timer !== undefined) clock.clearTimeout(link.timer);
        link.socket?.destroy();
        link.queue = [];
      }
      for (const socket of inbound) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    stats: () => ({ ...stats }),
  };
}

// Splits a byte stream into length-prefixed frames; a bad frame closes the socket.
function readFrames(
  socket: Socket,
  maxFrameBytes: number,
  deliver: (frame: Buffer) => boolean,
  onBadFrame: () => void,
): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.byteLength === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    while (pending.byteLength - at >= 4) {
      const length = pending.readUInt32LE(at);
      if (length > maxFrameBytes) {
        onBadFrame();
        socket.destroy();
        return;
      }
      if (pending.byteLength - at - 4 < length) break;
      const frame = pending.subarray(at + 4, at + 4 + length);
      at += 4 + length;
      if (!deliver(frame)) {
        onBadFrame();
        socket.destroy();
        return;
      }
    }
    pending = at === pending.byteLength ? Buffer.alloc(0) : pending.subarray(at);
  });
}

function validate(options: TcpTransportOptions) {
  const fail = (field: string, value: unknown, expected: string) =>
    new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `startTcpTransport: ${field} must be ${expected}, got ${describeValue(value)}`,
    });
  if (typeof options !== 'object' || options === null) throw fail('options', options, 'an object');
  if (typeof options.id !== 'string' || options.id === '')
    throw fail('id', options.id, 'a non-empty string');
  const address = (field: string, value: unknown): TcpAddress => {
    const a = value as TcpAddress | null;
    if (typeof a !== 'object' || a === null || typeof a.host !== 'string' || a.host === '') {
      throw fail(field, value, 'an address { host, port }');
    }
    if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) {
      throw fail(`${field}.port`, a.port, 'an integer in [0, 65535]');
    }
    return { host: a.host, port: a.port };
  };
  const listen = address('listen', options.listen);
  if (typeof options.peers !== 'object' || options.peers === null) {
    throw fail('peers', options.peers, 'an object of addresses');
  }
  const peers: Record<NodeId, TcpAddress> = Object.create(null);
  for (const [peer, value] of Object.entries(options.peers)) {
    const parsed = address(`peers.${peer}`, value);
    if (parsed.port === 0) throw fail(`peers.${peer}.port`, 0, 'an integer in [1, 65535]');
    peers[peer] = parsed;
  }
  const positive = (field: string, value: unknown, fallback: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || (value as number) < 1)
      throw fail(field, value, 'an integer >= 1');
    return value as number;
  };
  const reconnect = options.reconnectMs ?? { min: 20, max: 1000 };
  const min = positive('reconnectMs.min', reconnect.min, 20);
  const max = positive('reconnectMs.max', reconnect.max, 1000);
  if (max < min) throw fail('reconnectMs.max', max, `>= reconnectMs.min (${min})`);
  const onDeliveryError = options.onDeliveryError;
  if (onDeliveryError !== undefined && typeof onDeliveryError !== 'function')
    throw fail('onDeliveryError', onDeliveryError, 'a function');
  return {
    id: options.id,
    listen,
    peers,
    maxQueuedMessages: positive('maxQueuedMessages', options.maxQueuedMessages, 4096),
    maxFrameBytes: positive('maxFrameBytes', options.maxFrameBytes, 64 * 1024 * 1024),
    reconnectMs: { min, max },
    clock: options.clock ?? systemClock,
    onDeliveryError,
  };
}
