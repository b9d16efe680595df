import { RaftError } from './errors';
import {
  type ConfState,
  type Entry,
  type EntryType,
  MESSAGE_TYPES,
  type RaftMessage,
  type SnapshotChunk,
} from './messages';

/**
 * A compact binary form of {@link RaftMessage} for transports between processes (TCP, NATS).
 * Entry and snapshot bytes are copied as they are, with no base64 or JSON in the way; numbers are
 * float64, so every safe integer round-trips. The first byte is the format version.
 */
const VERSION = 1;

// The wire code of a type is its position in MESSAGE_TYPES.
const TYPE_CODES = new Map(MESSAGE_TYPES.map((type, code) => [type, code]));
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf-change'];

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private buffer = new Uint8Array(256);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(bytes: number) {
    if (this.length + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
  u8(value: number) {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }
  f64(value: number) {
    this.reserve(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }
  bytes(value: Uint8Array) {
    this.reserve(4 + value.length);
    this.view.setUint32(this.length, value.length);
    this.buffer.set(value, this.length + 4);
    this.length += 4 + value.length;
  }
  string(value: string) {
    this.bytes(encoder.encode(value));
  }
  strings(values: readonly string[]) {
    this.f64(values.length);
    for (const value of values) this.string(value);
  }
  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(count: number) {
    if (this.offset + count > this.bytes.length) throw corrupt(`truncated at byte ${this.offset}`);
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }
  f64(): number {
    this.need(8);
    const value = this.view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }
  count(): number {
    const value = this.f64();
    // Each counted item takes at least 4 bytes, which bounds what a hostile count can allocate.
    if (!Number.isSafeInteger(value) || value < 0 || value * 4 > this.bytes.length - this.offset) {
      throw corrupt(`bad count ${value}`);
    }
    return value;
  }
  integer(field: string): number {
    const value = this.f64();
    if (!Number.isSafeInteger(value) || value < 0) throw corrupt(`${field} is ${value}`);
    return value;
  }
  bytesField(): Uint8Array {
    this.need(4);
    const length = this.view.getUint32(this.offset);
    this.offset += 4;
    this.need(length);
    const value = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }
  string(): string {
    try {
      return decoder.decode(this.bytesField());
    } catch (error) {
      if (RaftError.isInstance(error)) throw error;
      throw corrupt('a string is not UTF-8');
    }
  }
  strings(): string[] {
    const count = this.count();
    const values: string[] = [];
    for (let i = 0; i < count; i++) values.push(this.string());
    return values;
  }
  end() {
    if (this.offset !== this.bytes.length)
      throw corrupt(`${this.bytes.length - this.offset} bytes left over`);
  }
}

function corrupt(detail: string): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_ARGUMENT',
    message: `decodeRaftMessage: not a Raft message (${detail})`,
  });
}

/** Encodes a message for the wire. */
export function encodeRaftMessage(message: RaftMessage): Uint8Array {
  const type = TYPE_CODES.get(message.type);
  if (type === undefined) {
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `encodeRaftMessage: unknown message type ${JSON.stringify(message.type)}`,
    });
  }
  const out = new Writer();
  out.u8(VERSION);
  out.u8(type);
  out.string(message.from);
  out.string(message.to);
  out.f64(message.term);
  out.f64(message.logTerm);
  out.f64(message.index);
  out.f64(message.commit);
  out.f64(message.rejectHint);
  out.u8(message.reject ? 1 : 0);
  out.string(message.context);
  out.f64(message.entries.length);
  for (const entry of message.entries) {
    out.f64(entry.index);
    out.f64(entry.term);
    out.u8(entry.type === 'conf-change' ? 1 : 0);
    out.bytes(entry.data);
  }
  const snapshot = message.snapshot;
  out.u8(snapshot ? 1 : 0);
  if (snapshot) {
    out.f64(snapshot.metadata.index);
    out.f64(snapshot.metadata.term);
    const conf = snapshot.metadata.conf;
    out.strings(conf.voters);
    out.strings(conf.learners);
    out.strings(conf.votersOutgoing);
    out.strings(conf.learnersNext);
    out.u8(conf.autoLeave ? 1 : 0);
    out.f64(snapshot.size);
    out.f64(snapshot.offset);
    out.bytes(snapshot.data);
  }
  return out.done();
}

/**
 * Decodes what {@link encodeRaftMessage} wrote. Anything else (truncated, trailing bytes, an unknown
 * version or type, a negative index) is refused with `RAFT_INVALID_ARGUMENT`, so a transport can
 * drop it instead of handing Raft a malformed message.
 */
export function decodeRaftMessage(bytes: Uint8Array): RaftMessage {
  if (!(bytes instanceof Uint8Array)) throw corrupt('input is not a Uint8Array');
  const input = new Reader(bytes);
  const version = input.u8();
  if (version !== VERSION) throw corrupt(`unknown version ${version}`);
  const type = MESSAGE_TYPES[input.u8()];
  if (type === undefined) throw corrupt('unknown message type');
  const from = input.string();
  const to = input.string();
  const term = input.integer('term');
  const logTerm = input.integer('logTerm');
  const index = input.integer('index');
  const commit = input.integer('commit');
  const rejectHint = input.integer('rejectHint');
  const reject = input.u8() === 1;
  const context = input.string();
  const entryCount = input.count();
  const entries: Entry[] = [];
  for (let i = 0; i < entryCount; i++) {
    const entryIndex = input.integer('entry index');
    const entryTerm = input.integer('entry term');
    const entryType = ENTRY_TYPES[input.u8()];
    if (entryType === undefined) throw corrupt('unknown entry type');
    entries.push({ index: entryIndex, term: entryTerm, type: entryType, data: input.bytesField() });
  }
  let snapshot: SnapshotChunk | null = null;
  if (input.u8() === 1) {
    const snapshotIndex = input.integer('snapshot index');
    const snapshotTerm = input.integer('snapshot term');
    const conf: ConfState = {
      voters: input.strings(),
      learners: input.strings(),
      votersOutgoing: input.strings(),
      learnersNext: input.strings(),
      autoLeave: input.u8() === 1,
    };
    const size = input.integer('snapshot size');
    const offset = input.integer('snapshot offset');
    snapshot = {
      metadata: { index: snapshotIndex, term: snapshotTerm, conf },
      size,
      offset,
      data: input.bytesField(),
    };
  }
  input.end();
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
