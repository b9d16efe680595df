import { crc32 } from 'node:zlib';
import type { Snapshot, SnapshotMetadata } from '../messages';

/**
 * A snapshot on disk: `[u32 metadata length][u32 CRC-32 of the rest][metadata JSON][data]`. The
 * name carries the index, the term and how the snapshot came (`compact`: taken here; `install`:
 * received from a leader, valid only once the log records that it replaced the log).
 */
export interface SnapshotFileName {
  readonly index: number;
  readonly term: number;
  readonly origin: 'compact' | 'install';
  readonly name: string;
}

const NAME = /^snapshot-(\d{20})-(\d{20})-(compact|install)\.snap$/;

export function snapshotFileName(
  metadata: SnapshotMetadata,
  origin: 'compact' | 'install',
): string {
  return `snapshot-${pad(metadata.index)}-${pad(metadata.term)}-${origin}.snap`;
}

export function parseSnapshotFileName(name: string): SnapshotFileName | null {
  const match = NAME.exec(name);
  if (match === null) return null;
  return {
    index: Number(match[1]),
    term: Number(match[2]),
    origin: match[3] as 'compact' | 'install',
    name,
  };
}

export function encodeSnapshot(snapshot: Snapshot): Buffer {
  const metadata = Buffer.from(JSON.stringify(snapshot.metadata));
  const body = Buffer.concat([metadata, snapshot.data]);
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32LE(metadata.byteLength, 0);
  header.writeUInt32LE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

/** Decodes a snapshot file; null when it is damaged. */
export function decodeSnapshot(buffer: Buffer): Snapshot | null {
  if (buffer.byteLength < 8) return null;
  const metadataLength = buffer.readUInt32LE(0);
  const body = buffer.subarray(8);
  if (metadataLength > body.byteLength || crc32(body) !== buffer.readUInt32LE(4)) return null;
  try {
    const metadata = JSON.parse(body.subarray(0, metadataLength).toString()) as SnapshotMetadata;
    return { metadata, data: new Uint8Array(body.subarray(metadataLength)) };
  } catch {
    return null;
  }
}

export function pad(value: number): string {
  return String(value).padStart(20, '0');
}
