import { describeValue, toErrorInfo } from '@varplane/core/internal';
import { RaftError } from './errors';

/**
 * The values Raft nodes persist and exchange. They are plain data (numbers, strings, arrays and
 * `Uint8Array`s), so a storage or a transport can encode them however it likes.
 */

/** A node's id. Any string, `__proto__` included. */
export type NodeId = string;

/**
 * `normal` carries application data (an empty `data` is the no-op a new leader appends);
 * `conf-change` carries an encoded {@link ConfChange} (see `encodeConfChange`).
 */
export type EntryType = 'normal' | 'conf-change';

/** One record of the replicated log. */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What a node must have on stable storage before it answers anyone. */
export interface HardState {
  readonly term: number;
  /** Whom this node voted for in `term`; null when it has not voted. */
  readonly vote: NodeId | null;
  /** The highest index this node knows is committed. */
  readonly commit: number;
}

/**
 * The membership. Outside a joint configuration `votersOutgoing` is empty. During one, a decision
 * needs a majority of `voters` and a majority of `votersOutgoing`; `learnersNext` are voters of the
 * outgoing configuration that become learners when the joint configuration is left.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learnersNext: readonly NodeId[];
  /** Leave the joint configuration on its own as soon as entering it commits. */
  readonly autoLeave: boolean;
}

/** Where a snapshot stands in the log, and the membership at that point. */
export interface SnapshotMetadata {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** The state machine's state after applying every entry up to `metadata.index`. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  readonly data: Uint8Array;
}

/** One membership step. */
export interface ConfChangeSingle {
  readonly type: 'add-voter' | 'add-learner' | 'remove-node';
  readonly node: NodeId;
}

/**
 * A membership change. One change (or none) applies directly unless `transition` asks for a
 * joint configuration; several changes always go through one. `auto` (the default) leaves the
 * joint configuration automatically; `explicit` waits for an empty change that leaves it.
 */
export interface ConfChange {
  readonly changes: readonly ConfChangeSingle[];
  readonly transition?: 'auto' | 'joint-auto' | 'joint-explicit';
}

/** The kinds of message nodes exchange. */
export type MessageType =
  | 'append'
  | 'append-response'
  | 'heartbeat'
  | 'heartbeat-response'
  | 'vote'
  | 'vote-response'
  | 'pre-vote'
  | 'pre-vote-response'
  | 'snapshot'
  | 'snapshot-response'
  | 'timeout-now'
  | 'propose'
  | 'propose-response'
  | 'read-index'
  | 'read-index-response'
  | 'transfer-leader';

/**
 * Every message type. The position of each is its code on the wire (see `message-codec.ts`):
 * add new types at the end only.
 */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze([
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
]);

/** One part of a snapshot sent to a follower that is too far behind for entries. */
export interface SnapshotChunk {
  readonly metadata: SnapshotMetadata;
  /** Total size of the snapshot's data, in bytes. */
  readonly size: number;
  /** Where `data` starts inside the snapshot's data. */
  readonly offset: number;
  readonly data: Uint8Array;
}

/**
 * A message between two nodes. Fields a message type does not use hold zeros and empty arrays,
 * so the shape stays the same for every type (one hidden class, cheap to encode).
 *
 * - `append`: `index`/`logTerm` locate the entry before `entries`; `commit` is the leader's.
 * - `append-response`: `index` is the last matching index, or with `reject` the rejected index;
 *   `rejectHint`/`logTerm` point the leader at where to probe next.
 * - `vote`/`pre-vote`: `index`/`logTerm` describe the candidate's last entry; `context` is
 *   `transfer` when a leadership transfer asked for the campaign.
 * - `heartbeat`: `index` is the last index the leader sent this follower; `heartbeat-response`
 *   answers with the follower's last index in `index` and echoes it in `rejectHint`.
 * - `snapshot`: `snapshot` holds a chunk; `snapshot-response` acknowledges bytes up to `index`
 *   (the offset received) or the whole snapshot when `reject` is false and `commit` is its index.
 * - `propose`: a follower forwards `entries` (with term 0) to the leader; `propose-response` says
 *   with `reject` that they were dropped, and `context` echoes the forwarded request id.
 * - `read-index`/`read-index-response`: `context` identifies the read; `index` is the read index.
 */
export interface RaftMessage {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  readonly logTerm: number;
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly context: string;
  readonly snapshot: SnapshotChunk | null;
}

/** A read the leader has confirmed: once `index` is applied, reading local state is linearizable. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

const encoder = new TextEncoder();
// Fatal, so bytes that are not UTF-8 are refused rather than read as replacement characters.
const fatal = new TextDecoder('utf-8', { fatal: true });

const CHANGE_TYPES: readonly unknown[] = ['add-voter', 'add-learner', 'remove-node'];
const TRANSITIONS: readonly unknown[] = ['auto', 'joint-auto', 'joint-explicit'];

function invalidChange(operation: string, message: string): RaftError {
  return new RaftError({ code: 'RAFT_INVALID_ARGUMENT', message: `${operation}: ${message}` });
}

/**
 * `change` as a plain {@link ConfChange}, read once; throws `RAFT_INVALID_ARGUMENT` naming the
 * field for anything else (a Proxy or a getter that throws included).
 */
export function checkConfChange(change: unknown, operation: string): ConfChange {
  try {
    if (typeof change !== 'object' || change === null)
      throw invalidChange(operation, `change must be a ConfChange (got ${describeValue(change)})`);
    const { changes, transition } = change as ConfChange;
    if (!Array.isArray(changes))
      throw invalidChange(
        operation,
        `change.changes must be an array (got ${describeValue(changes)})`,
      );
    const singles = changes.map((single: unknown, at): ConfChangeSingle => {
      const type =
        typeof single === 'object' && single !== null
          ? (single as ConfChangeSingle).type
          : undefined;
      const node =
        typeof single === 'object' && single !== null
          ? (single as ConfChangeSingle).node
          : undefined;
      if (!CHANGE_TYPES.includes(type) || typeof node !== 'string') {
        throw invalidChange(
          operation,
          `changes.${at} must be { type: 'add-voter' | 'add-learner' | 'remove-node', node } (got ${describeValue(single)})`,
        );
      }
      return { type: type as ConfChangeSingle['type'], node };
    });
    if (transition !== undefined && !TRANSITIONS.includes(transition)) {
      throw invalidChange(
        operation,
        `transition must be 'auto', 'joint-auto' or 'joint-explicit' (got ${describeValue(transition)})`,
      );
    }
    return transition === undefined ? { changes: singles } : { changes: singles, transition };
  } catch (error) {
    if (RaftError.isInstance(error)) throw error;
    throw invalidChange(operation, `the change could not be read (${toErrorInfo(error).message})`);
  }
}

/** Encodes a membership change as the data of a `conf-change` entry. */
export function encodeConfChange(change: ConfChange, operation = 'encodeConfChange'): Uint8Array {
  return encoder.encode(JSON.stringify(checkConfChange(change, operation)));
}

/** Decodes the data of a `conf-change` entry; `RAFT_INVALID_ARGUMENT` for anything else. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fatal.decode(data));
  } catch {
    throw invalidChange(
      'decodeConfChange',
      `data is not an encoded ConfChange (got ${describeValue(data)})`,
    );
  }
  return checkConfChange(parsed, 'decodeConfChange');
}

/** Bytes an entry counts for in flow control and the uncommitted bound. */
export function entrySize(entry: Entry): number {
  // Called per entry on the replication path: one read and one type test.
  let data: unknown;
  try {
    data = entry.data;
  } catch {
    data = undefined;
  }
  if (!(data instanceof Uint8Array)) {
    throw new RaftError({
      code: 'RAFT_INVALID_ARGUMENT',
      message: `entrySize: entry.data must be a Uint8Array (got ${describeValue(data)})`,
    });
  }
  return data.byteLength + 16;
}
