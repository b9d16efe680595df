import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../messages';

/**
 * The records of a write-ahead log segment. Each is framed as
 * `[u32 payload length][u32 CRC-32 of the payload][payload]`, little-endian, and the payload starts
 * with a kind byte. Numbers are float64, which holds every index and term exactly up to 2^53.
 */
export type WalRecord =
  | { readonly kind: 'entry'; readonly entry: Entry }
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  /** The log was replaced by an installed snapshot: every entry before this record is gone. */
  | { readonly kind: 'base'; readonly index: number; readonly term: number };

const KIND_ENTRY = 1;
const KIND_HARD_STATE = 2;
const KIND_BASE = 3;
export const FRAME_HEADER_BYTES = 8;
/** No record is larger: a length beyond it is damage, not data. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes records into one buffer, written with one `write` and made durable with one sync. */
export function encodeRecords(records: readonly WalRecord[]): Buffer {
  const payloads = records.map(encodePayload);
  const total = payloads.reduce((sum, p) => sum + FRAME_HEADER_BYTES + p.byteLength, 0);
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const payload of payloads) {
    out.writeUInt32LE(payload.byteLength, offset);
    out.writeUInt32LE(crc32(payload), offset + 4);
    out.set(payload, offset + FRAME_HEADER_BYTES);
    offset += FRAME_HEADER_BYTES + payload.byteLength;
  }
  return out;
}

function encodePayload(record: WalRecord): Uint8Array {
  if (record.kind === 'entry') {
    const { entry } = record;
    const payload = Buffer.allocUnsafe(18 + entry.data.byteLength);
    payload[0] = KIND_ENTRY;
    payload[1] = entry.type === 'normal' ? 0 : 1;
    payload.writeDoubleLE(entry.index, 2);
    payload.writeDoubleLE(entry.term, 10);
    payload.set(entry.data, 18);
    return payload;
  }
  if (record.kind === 'hard-state') {
    const { term, vote, commit } = record.hardState;
    const voteBytes = vote === null ? new Uint8Array(0) : encoder.encode(vote);
    const payload = Buffer.allocUnsafe(18 + voteBytes.byteLength);
    payload[0] = KIND_HARD_STATE;
    payload[1] = vote === null ? 0 : 1;
    payload.writeDoubleLE(term, 2);
    payload.writeDoubleLE(commit, 10);
    payload.set(voteBytes, 18);
    return payload;
  }
  const payload = Buffer.allocUnsafe(17);
  payload[0] = KIND_BASE;
  payload.writeDoubleLE(record.index, 1);
  payload.writeDoubleLE(record.term, 9);
  return payload;
}

/** What reading a frame at an offset found. */
export type FrameRead =
  | { readonly ok: true; readonly record: WalRecord; readonly next: number }
  /** `incomplete`: the frame runs past the end; `checksum` / `malformed`: the bytes are damaged. */
  | { readonly ok: false; readonly problem: 'incomplete' | 'checksum' | 'malformed' };

/** Reads and verifies one frame of `buffer` at `offset`. */
export function readFrame(buffer: Buffer, offset: number): FrameRead {
  if (offset + FRAME_HEADER_BYTES > buffer.byteLength) return { ok: false, problem: 'incomplete' };
  const length = buffer.readUInt32LE(offset);
  if (length === 0 || length > MAX_RECORD_BYTES) return { ok: false, problem: 'malformed' };
  const start = offset + FRAME_HEADER_BYTES;
  if (start + length > buffer.byteLength) return { ok: false, problem: 'incomplete' };
  const payload = buffer.subarray(start, start + length);
  if (crc32(payload) !== buffer.readUInt32LE(offset + 4)) return { ok: false, problem: 'checksum' };
  const record = decodePayload(payload);
  if (record === null) return { ok: false, problem: 'malformed' };
  return { ok: true, record, next: start + length };
}

function decodePayload(payload: Buffer): WalRecord | null {
  const kind = payload[0];
  if (kind === KIND_ENTRY && payload.byteLength >= 18 && (payload[1] === 0 || payload[1] === 1)) {
    return {
      kind: 'entry',
      entry: {
        type: payload[1] === 0 ? 'normal' : 'conf-change',
        index: payload.readDoubleLE(2),
        term: payload.readDoubleLE(10),
        // A copy, so the entry does not pin the whole segment's buffer.
        data: new Uint8Array(payload.subarray(18)),
      },
    };
  }
  if (kind === KIND_HARD_STATE && payload.byteLength >= 18) {
    let vote: string | null = null;
    if (payload[1] === 1) {
      try {
        vote = decoder.decode(payload.subarray(18));
      } catch {
        return null;
      }
    } else if (payload[1] !== 0) return null;
    return {
      kind: 'hard-state',
      hardState: { term: payload.readDoubleLE(2), vote, commit: payload.readDoubleLE(10) },
    };
  }
  if (kind === KIND_BASE && payload.byteLength === 17) {
    return { kind: 'base', index: payload.readDoubleLE(1), term: payload.readDoubleLE(9) };
  }
  return null;
}

/**
 * Whether any complete, valid frame starts after `offset`. A damaged frame with valid ones after
 * it is corruption inside the log; with none after it, it is the torn tail of a write that never
 * finished (the sync never returned, so nobody was told it was durable).
 */
export function anyValidFrameAfter(buffer: Buffer, offset: number): boolean {
  for (let at = offset + 1; at + FRAME_HEADER_BYTES < buffer.byteLength; at += 1) {
    const length = buffer.readUInt32LE(at);
    if (length === 0 || at + FRAME_HEADER_BYTES + length > buffer.byteLength) continue;
    if (readFrame(buffer, at).ok) return true;
  }
  return false;
}
