import type { Entry, MessageType, RaftMessage, SnapshotChunk, SnapshotMetadata } from '../messages';

/**
 * A compact binary encoding of {@link RaftMessage} for the TCP transport: fixed fields as float64,
 * strings and byte arrays with a u32 length. Entries' data is copied once, with no base64 or JSON
 * in the path of every append.
 */
const TYPES: readonly MessageType[] = [
  'append',
  'append-response',
  'heartbeat',
  'heartbeat-response',
  'vote',
  'vote-response',
  'pre-vote',
  'pre-vote-response',
  'snapshot',
  'snapshot-response',
  'timeout-now',
  'propose',
  'propose-response',
  'read-index',
  'read-index-response',
  'transfer-leader',
];
const TYPE_CODES = new Map(TYPES.map((type, code) => [type, code]));
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a message into a buffer. */
export function encodeMessage(message: RaftMessage): Buffer {
  const from = encoder.encode(message.from);
  const to = encoder.encode(message.to);
  const context = encoder.encode(message.context);
  const snapshotMeta =
    message.snapshot === null ? null : encoder.encode(JSON.stringify(message.snapshot.metadata));
  let size = 1 + 4 + from.byteLength + 4 + to.byteLength + 8 * 5 + 1 + 4 + context.byteLength + 4;
  for (const entry of message.entries) size += 8 + 8 + 1 + 4 + entry.data.byteLength;
  size += 1;
  if (message.snapshot !== null && snapshotMeta !== null) {
    size += 4 + snapshotMeta.byteLength + 8 + 8 + 4 + message.snapshot.data.byteLength;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  const code = TYPE_CODES.get(message.type);
  if (code === undefined) throw new Error(`unknown message type ${String(message.type)}`);
  out[at++] = code;
  const bytes = (value: Uint8Array) => {
    out.writeUInt32LE(value.byteLength, at);
    out.set(value, at + 4);
    at += 4 + value.byteLength;
  };
  const number = (value: number) => {
    out.writeDoubleLE(value, at);
    at += 8;
  };
  bytes(from);
  bytes(to);
  number(message.term);
  number(message.logTerm);
  number(message.index);
  number(message.commit);
  number(message.rejectHint);
  out[at++] = message.reject ? 1 : 0;
  bytes(context);
  out.writeUInt32LE(message.entries.length, at);
  at += 4;
  for (const entry of message.entries) {
    number(entry.index);
    number(entry.term);
    out[at++] = entry.type === 'normal' ? 0 : 1;
    bytes(entry.data);
  }
  if (message.snapshot === null || snapshotMeta === null) out[at++] = 0;
  else {
    out[at++] = 1;
    bytes(snapshotMeta);
    number(message.snapshot.size);
    number(message.snapshot.offset);
    bytes(message.snapshot.data);
  }
  return out;
}

/** Decodes a message; throws on bytes that are not one (the caller drops the connection). */
export function decodeMessage(buffer: Buffer): RaftMessage {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buffer.byteLength) throw new Error('message truncated');
  };
  const byte = () => {
    need(1);
    return buffer[at++] as number;
  };
  const number = () => {
    need(8);
    const value = buffer.readDoubleLE(at);
    at += 8;
    return value;
  };
  const bytes = () => {
    need(4);
    const length = buffer.readUInt32LE(at);
    need(4 + length);
    const value = new Uint8Array(buffer.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    return value;
  };
  const text = () => decoder.decode(bytes());
  const type = TYPES[byte()];
  if (type === undefined) throw new Error('unknown message type');
  const from = text();
  const to = text();
  const term = number();
  const logTerm = number();
  const index = number();
  const commit = number();
  const rejectHint = number();
  const reject = byte() === 1;
  const context = text();
  need(4);
  const count = buffer.readUInt32LE(at);
  at += 4;
  const entries: Entry[] = [];
  for (let i = 0; i < count; i += 1) {
    const entryIndex = number();
    const entryTerm = number();
    const entryType = byte() === 0 ? 'normal' : 'conf-change';
    entries.push({ index: entryIndex, term: entryTerm, type: entryType, data: bytes() });
  }
  let snapshot: SnapshotChunk | null = null;
  if (byte() === 1) {
    const metadata = JSON.parse(text()) as SnapshotMetadata;
    const size = number();
    const offset = number();
    snapshot = { metadata, size, offset, data: bytes() };
  }
  if (at !== buffer.byteLength) throw new Error('trailing bytes after message');
  return {
    type,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    reject,
    rejectHint,
    context,
    snapshot,
  };
}
