import { describeValue, toErrorInfo } from '@varplane/core/internal';
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

// The encoder checks each field as it writes it (a typeof test each), so a message the decoder
// would refuse is refused here, naming the field, instead of going out malformed.
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
  flag(value: unknown, field: string) {
    if (typeof value !== 'boolean') throw unencodable(field, value, 'a boolean');
    this.u8(value ? 1 : 0);
  }
  integer(value: unknown, field: string) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw unencodable(field, value, 'an integer >= 0');
    this.reserve(8);
    this.view.setFloat64(this.length, value);
    this.length += 8;
  }
  bytes(value: unknown, field: string) {
    if (!(value instanceof Uint8Array)) throw unencodable(field, value, 'a Uint8Array');
    this.raw(value);
  }
  private raw(value: Uint8Array) {
    this.reserve(4 + value.length);
    this.view.setUint32(this.length, value.length);
    this.buffer.set(value, this.length + 4);
    this.length += 4 + value.length;
  }
  string(value: unknown, field: string) {
    if (typeof value !== 'string') throw unencodable(field, value, 'a string');
    this.raw(encoder.encode(value));
  }
  strings(values: unknown, field: string) {
    if (!Array.isArray(values)) throw unencodable(field, values, 'an array of strings');
    this.integer(values.length, `${field}.length`);
    values.forEach((value, i) => {
      this.string(value, `${field}.${i}`);
    });
  }
  list(values: unknown, field: string): readonly unknown[] {
    if (!Array.isArray(values)) throw unencodable(field, values, 'an array');
    this.integer(values.length, `${field}.length`);
    return values;
  }
  done(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function unencodable(field: string, value: unknown, expected: string): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_ARGUMENT',
    message: `encodeRaftMessage: ${field} must be ${expected} (got ${describeValue(value)})`,
  });
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

// `instanceof` asks a Proxy for its prototype, which may throw.
function isBytes(value: unknown): value is Uint8Array {
  try {
    return value instanceof Uint8Array;
  } catch {
    return false;
  }
}

function corrupt(detail: string): RaftError {
  return new RaftError({
    code: 'RAFT_INVALID_ARGUMENT',
    message: `decodeRaftMessage: not a Raft message (${detail})`,
  });
}

/**
 * Encodes a message for the wire. A message that is not a {@link RaftMessage} (a field of the
 * wrong type, a negative or fractional number, one that cannot be read) is refused with
 * `RAFT_INVALID_ARGUMENT` naming the field.
 */
export function encodeRaftMessage(message: RaftMessage): Uint8Array {
  try {
    return encode(message);
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `encodeRaftMessage: the message could not be read (${toErrorInfo(error).message})`,
      cause: error,
    });
  }
}

function encode(message: RaftMessage): Uint8Array {
  if (typeof message !== 'object' || message === null)
    throw unencodable('message', message, 'a RaftMessage');
  const type = TYPE_CODES.get(message.type);
  if (type === undefined) {
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `encodeRaftMessage: unknown message type ${describeValue(message.type)}`,
    });
  }
  const out = new Writer();
  out.u8(VERSION);
  out.u8(type);
  out.string(message.from, 'from');
  out.string(message.to, 'to');
  out.integer(message.term, 'term');
  out.integer(message.logTerm, 'logTerm');
  out.integer(message.index, 'index');
  out.integer(message.commit, 'commit');
  out.integer(message.rejectHint, 'rejectHint');
  out.flag(message.reject, 'reject');
  out.string(message.context, 'context');
  out.list(message.entries, 'entries').forEach((item, i) => {
    if (typeof item !== 'object' || item === null)
      throw unencodable(`entries.${i}`, item, 'an Entry');
    const entry = item as Entry;
    out.integer(entry.index, `entries.${i}.index`);
    out.integer(entry.term, `entries.${i}.term`);
    const code = ENTRY_TYPES.indexOf(entry.type);
    if (code < 0) throw unencodable(`entries.${i}.type`, entry.type, "'normal' or 'conf-change'");
    out.u8(code);
    out.bytes(entry.data, `entries.${i}.data`);
  });
  const snapshot = message.snapshot;
  if (typeof snapshot !== 'object')
    throw unencodable('snapshot', snapshot, 'a SnapshotChunk or null');
  out.u8(snapshot ? 1 : 0);
  if (snapshot) {
    const metadata = snapshot.metadata;
    if (typeof metadata !== 'object' || metadata === null)
      throw unencodable('snapshot.metadata', metadata, 'a SnapshotMetadata');
    out.integer(metadata.index, 'snapshot.metadata.index');
    out.integer(metadata.term, 'snapshot.metadata.term');
    const conf = metadata.conf;
    if (typeof conf !== 'object' || conf === null)
      throw unencodable('snapshot.metadata.conf', conf, 'a ConfState');
    out.strings(conf.voters, 'snapshot.metadata.conf.voters');
    out.strings(conf.learners, 'snapshot.metadata.conf.learners');
    out.strings(conf.votersOutgoing, 'snapshot.metadata.conf.votersOutgoing');
    out.strings(conf.learnersNext, 'snapshot.metadata.conf.learnersNext');
    out.flag(conf.autoLeave, 'snapshot.metadata.conf.autoLeave');
    out.integer(snapshot.size, 'snapshot.size');
    out.integer(snapshot.offset, 'snapshot.offset');
    out.bytes(snapshot.data, 'snapshot.data');
  }
  return out.done();
}

/**
 * Decodes what {@link encodeRaftMessage} wrote. Anything else (truncated, trailing bytes, an unknown
 * version or type, a negative index) is refused with `RAFT_INVALID_ARGUMENT`, so a transport can
 * drop it instead of handing Raft a malformed message.
 */
export function decodeRaftMessage(bytes: Uint8Array): RaftMessage {
  if (!isBytes(bytes)) throw corrupt('input is not a Uint8Array');
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
