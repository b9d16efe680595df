import type { Random } from '@varplane/core';
import { RaftError } from './errors';
import { applyConfChange, ConfChangeRefusal } from './internal/conf-change';
import { validateCoreOptions } from './internal/core-options';
import {
  becomeProbe,
  becomeReplicate,
  becomeSnapshot,
  createProgress,
  decreaseTo,
  isPaused,
  type Progress,
  sentEntries,
  updateMatch,
} from './internal/progress';
import { allNodes, isVoter, jointCommitted, jointQuorumActive, jointVote } from './internal/quorum';
import { RaftLog } from './internal/raft-log';
import { ReadOnlyQueue } from './internal/read-only';
import {
  type ConfChange,
  type ConfState,
  decodeConfChange,
  type Entry,
  type EntryType,
  encodeConfChange,
  entrySize,
  type HardState,
  MESSAGE_TYPES,
  type MessageType,
  type NodeId,
  type RaftMessage,
  type ReadState,
  type Snapshot,
  type SnapshotChunk,
} from './messages';
import type { RaftStorageState } from './storage';

/** A node's role. A pre-candidate asks whether it could win before it raises its term. */
export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Options of {@link createRaftCore}. */
export interface RaftCoreOptions {
  readonly id: NodeId;
  /**
   * The founding voters of the cluster; ignored when `state` holds a snapshot. A node that joins
   * later passes the same list (it is not in it): the log's membership changes replay on top.
   */
  readonly peers: readonly NodeId[];
  /** The learners of a new cluster. */
  readonly learners?: readonly NodeId[];
  /** What the storage loaded; a fresh node starts from nothing. */
  readonly state?: RaftStorageState;
  /** Randomized election timeouts draw from it. */
  readonly random: Random;
  /** Ticks without a leader before a follower campaigns (randomized in [n, 2n)). Default 10. */
  readonly electionTicks?: number;
  /** Ticks between a leader's heartbeats; below `electionTicks`. Default 1. */
  readonly heartbeatTicks?: number;
  /** Ask for a pre-vote before raising the term, so a partitioned node cannot disrupt. Default true. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum for an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /**
   * `safe`: every ReadIndex read is confirmed by a quorum heartbeat round. `lease`: the leader
   * answers from its lease; needs `checkQuorum` and bounded clock drift. Default `safe`.
   */
  readonly readOnly?: 'safe' | 'lease';
  /** Most bytes of entries in one append message (at least one entry is always sent). Default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** Most append messages in flight to one follower in replicate state. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Most bytes of entries in flight to one follower; 0 for no limit. Default 0. */
  readonly maxInflightBytes?: number;
  /** Most bytes of proposals appended and not yet committed; 0 for no limit. Default 0. */
  readonly maxUncommittedBytes?: number;
  /** Bytes of snapshot data in one chunk. Default 64 KiB. */
  readonly snapshotChunkBytes?: number;
  /** Followers forward proposals to the leader instead of dropping them. Default true. */
  readonly proposalForwarding?: boolean;
}

/** Why a proposal was not appended. */
export type DropReason =
  | 'no-leader'
  | 'transferring-leadership'
  | 'uncommitted-limit'
  | 'conf-change-pending'
  | 'conf-change-invalid'
  | 'forwarding-disabled'
  | 'not-a-member';

/** What became of a proposal handed to the core. */
export type ProposeResult =
  | { readonly type: 'appended'; readonly index: number; readonly term: number }
  | { readonly type: 'forwarded'; readonly leader: NodeId }
  | { readonly type: 'dropped'; readonly reason: DropReason; readonly leader: NodeId | null };

/** The leader's answer to a proposal a follower forwarded with a context. */
export interface ForwardedProposalResult {
  readonly context: string;
  /** Where the leader appended it, or 0 when it dropped it. */
  readonly index: number;
  readonly term: number;
  readonly dropped: boolean;
}

/**
 * Everything the core wants done, in order: persist `snapshot`, `entries` and `hardState` (one
 * durable write), then send `messages`, apply `snapshot` and then `committedEntries` to the state
 * machine, deliver `readStates` and `proposals`, and call {@link RaftCore.advance}.
 * `sendBeforeWrite` and `applyBeforeWrite` say when the write need not be waited for.
 */
export interface Ready {
  readonly hardState: HardState | null;
  readonly entries: readonly Entry[];
  readonly snapshot: Snapshot | null;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly RaftMessage[];
  readonly readStates: readonly ReadState[];
  readonly proposals: readonly ForwardedProposalResult[];
  /**
   * The messages promise nothing this write makes durable, so they may go while it is in flight:
   * only the commit index is written (it is learned again from the leader after a crash), or
   * this node leads in a term and vote already on disk and sends its followers the entries it is
   * writing itself (it counts itself towards a quorum only once its write is done).
   */
  readonly sendBeforeWrite: boolean;
  /**
   * The committed entries were all on disk before this write (it adds no entries), so they may
   * be applied while it is in flight.
   */
  readonly applyBeforeWrite: boolean;
}

/** The leader's view of one follower, for status and lag reporting. */
export interface FollowerProgress {
  readonly match: number;
  readonly next: number;
  readonly state: 'probe' | 'replicate' | 'snapshot';
  readonly inflight: number;
  readonly learner: boolean;
  readonly recentActive: boolean;
}

/** A snapshot of the core's state, for status pages, tests and checkers. */
export interface RaftCoreStatus {
  readonly id: NodeId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: NodeId | null;
  readonly leader: NodeId | null;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
  readonly leadTransferee: NodeId | null;
  /** Per follower, on a leader; empty elsewhere. */
  readonly progress: ReadonlyMap<NodeId, FollowerProgress>;
}

/**
 * The pure, deterministic Raft state machine of one node: no timers, promises or I/O. Feed it
 * messages, ticks and proposals; take its {@link Ready}, do what it says, then `advance()`.
 */
export interface RaftCore {
  readonly id: NodeId;
  /** Handles one message from another node. Malformed messages throw `RAFT_INVALID_ARGUMENT`. */
  step(message: RaftMessage): void;
  /** Moves logical time by one tick (election and heartbeat timers count ticks). */
  tick(): void;
  /** Proposes application data; `context` names a forwarded proposal in {@link Ready.proposals}. */
  propose(data: Uint8Array, context?: string): ProposeResult;
  /** Proposes a membership change. */
  proposeConfChange(change: ConfChange, context?: string): ProposeResult;
  /** Asks for a linearizable read point; the answer arrives in {@link Ready.readStates}. */
  readIndex(context: string): { readonly type: 'pending' } | ProposeResult;
  /** Asks the leader to hand leadership to `target`. */
  transferLeader(target: NodeId): void;
  /** A follower forgets its leader, so it may vote at once (used before a planned election). */
  forgetLeader(): void;
  /** Starts an election now, as if the election timer fired. */
  campaign(): void;
  hasReady(): boolean;
  /**
   * Takes the queued messages that forward a local request to the leader or answer one (a
   * proposal, a read, a transfer: term 0). They promise nothing about any disk, so a driver may
   * send them at once, even while a write is in flight, instead of with the next ready.
   */
  takeForwards(): readonly RaftMessage[];
  /** The work to do; call {@link RaftCore.advance} when done, before the next `ready()`. */
  ready(): Ready;
  advance(): void;
  /**
   * Records that the application took a snapshot of its state at the applied index, and drops
   * the entries it covers. Returns the snapshot, for the storage's `compact`.
   */
  compact(data: Uint8Array): Snapshot;
  status(): RaftCoreStatus;
  /** The few fields that change on elections and membership changes; cheap to call often. */
  softState(): SoftState;
}

/** Role, term, leader and membership: what a driver watches for events. */
export interface SoftState {
  readonly role: RaftRole;
  readonly term: number;
  readonly leader: NodeId | null;
  readonly conf: ConfState;
}

const EMPTY: readonly Entry[] = Object.freeze([]) as readonly Entry[];
const EMPTY_MESSAGES: readonly RaftMessage[] = Object.freeze([]) as readonly RaftMessage[];
const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(MESSAGE_TYPES);

/**
 * Creates the Raft core of one node.
 *
 * @example
 * const core = createRaftCore({ id: 'a', peers: ['a', 'b', 'c'], random: createRandom(1) });
 * core.tick(); // ... until it campaigns
 * const ready = core.ready(); // persist, send, apply
 * core.advance();
 */
export function createRaftCore(options: RaftCoreOptions): RaftCore {
  return new RaftNode(options);
}

interface SnapshotAssembly {
  readonly index: number;
  readonly term: number;
  readonly size: number;
  readonly chunks: Uint8Array[];
  received: number;
}

class RaftNode implements RaftCore {
  readonly id: NodeId;
  private readonly random: Random;
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly preVote: boolean;
  private readonly checkQuorum: boolean;
  private readonly leaseReads: boolean;
  private readonly maxSizePerMsg: number;
  private readonly maxInflightMsgs: number;
  private readonly maxInflightBytes: number;
  private readonly maxUncommittedBytes: number;
  private readonly snapshotChunkBytes: number;
  private readonly proposalForwarding: boolean;

  private term = 0;
  private vote: NodeId | null = null;
  private role: RaftRole = 'follower';
  private leader: NodeId | null = null;
  private readonly log: RaftLog;
  private conf: ConfState;
  /** The last committed entry whose membership change is already in `conf`. */
  private confAppliedIndex: number;
  private pendingConfIndex = 0;
  private snapshot: Snapshot | null;
  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId | null = null;
  private uncommittedBytes = 0;
  private readonly readOnly = new ReadOnlyQueue();
  private pendingReadIndex: { from: NodeId; context: string }[] = [];
  private assembly: SnapshotAssembly | null = null;
  /** Forwarded proposals already appended, by sender and context, oldest first (bounded). */
  private readonly forwardedSeen = new Map<string, ProposeResult>();
  /** Proposals were appended since the last broadcast: one append per follower carries them all. */
  private broadcastPending = false;

  // What was handed out and not yet acknowledged, and what is durable.
  private messages: RaftMessage[] = [];
  private readStates: ReadState[] = [];
  private proposalResults: ForwardedProposalResult[] = [];
  private persistedHardState: HardState;
  private pendingSnapshot: Snapshot | null = null;
  private inflightReady: {
    lastEntry: number;
    applyTo: number;
    snapshot: Snapshot | null;
    committedEntries: readonly Entry[];
  } | null = null;
  /** The highest index known durable on this node. */
  private persistedIndex: number;

  constructor(options: RaftCoreOptions) {
    const o = validateCoreOptions(options);
    this.id = o.id;
    this.random = o.random;
    this.electionTicks = o.electionTicks;
    this.heartbeatTicks = o.heartbeatTicks;
    this.preVote = o.preVote;
    this.checkQuorum = o.checkQuorum;
    this.leaseReads = o.readOnly === 'lease';
    this.maxSizePerMsg = o.maxSizePerMsg;
    this.maxInflightMsgs = o.maxInflightMsgs;
    this.maxInflightBytes = o.maxInflightBytes;
    this.maxUncommittedBytes = o.maxUncommittedBytes;
    this.snapshotChunkBytes = o.snapshotChunkBytes;
    this.proposalForwarding = o.proposalForwarding;

    const state = o.state;
    this.snapshot = state?.snapshot ?? null;
    this.log = new RaftLog(this.snapshot, state?.entries ?? EMPTY, state?.hardState.commit ?? 0);
    this.term = state?.hardState.term ?? 0;
    this.vote = state?.hardState.vote ?? null;
    this.persistedHardState = { term: this.term, vote: this.vote, commit: this.log.committed };
    this.persistedIndex = this.log.lastIndex();
    this.conf = this.snapshot?.metadata.conf ?? {
      voters: [...o.peers],
      learners: [...(o.learners ?? [])],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    this.confAppliedIndex = this.log.snapshotIndex;
    // Committed membership changes are known now; waiting for the application to replay them
    // would let a restarted node campaign in a configuration the cluster already left.
    this.applyCommittedConfChanges(this.log.committed);
    this.becomeFollower(this.term, null);
  }

  // -- inputs ----------------------------------------------------------------------------------

  step(m: RaftMessage): void {
    checkMessage(m, this.id);
    if (m.term === 0) {
      this.stepLocal(m);
      return;
    }
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const force = m.context === 'transfer';
        const inLease =
          this.checkQuorum && this.leader !== null && this.electionElapsed < this.electionTicks;
        // A node that heard from a leader recently refuses to help unseat it.
        if (!force && inLease) return;
      }
      if (m.type === 'pre-vote') {
        // A pre-vote does not raise our term.
      } else if (m.type === 'pre-vote-response' && !m.reject) {
        // Granted for the term we would campaign in; counted below.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if (
        (this.checkQuorum || this.preVote) &&
        (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot')
      ) {
        // Tell a stale leader about the newer term, or it could stay leader behind a partition
        // whose nodes never raise their term (pre-vote).
        this.send(m.from, 'append-response', {});
      } else if (m.type === 'pre-vote') {
        this.send(m.from, 'pre-vote-response', { reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    if (this.role === 'leader') this.stepLeader(m);
    else if (this.role === 'follower') this.stepFollower(m);
    else this.stepCandidate(m);
  }

  tick(): void {
    if (this.role === 'leader') {
      this.heartbeatElapsed += 1;
      this.electionElapsed += 1;
      if (this.electionElapsed >= this.electionTicks) {
        this.electionElapsed = 0;
        if (this.checkQuorum) {
          const active = (id: NodeId) =>
            id === this.id || this.progress.get(id)?.recentActive === true;
          const hasQuorum = jointQuorumActive(this.conf, active);
          for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
          if (!hasQuorum) {
            this.becomeFollower(this.term, null);
            return;
          }
        }
        // A transfer that did not finish within an election timeout is abandoned.
        if (this.leadTransferee !== null) this.leadTransferee = null;
      }
      if (this.heartbeatElapsed >= this.heartbeatTicks) {
        this.heartbeatElapsed = 0;
        this.broadcastHeartbeat(this.readOnly.lastContext());
      }
      return;
    }
    this.electionElapsed += 1;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  propose(data: Uint8Array, context = ''): ProposeResult {
    if (!(data instanceof Uint8Array)) {
      throw invalidArgument(`propose: data must be a Uint8Array (got ${typeof data})`);
    }
    return this.proposeEntry('normal', data, context);
  }

  proposeConfChange(change: ConfChange, context = ''): ProposeResult {
    return this.proposeEntry('conf-change', encodeConfChange(change, 'proposeConfChange'), context);
  }

  readIndex(context: string): { readonly type: 'pending' } | ProposeResult {
    if (typeof context !== 'string' || context === '') {
      throw invalidArgument('readIndex: context must be a non-empty string');
    }
    if (this.role === 'leader') {
      this.handleReadIndex(this.id, context);
      return { type: 'pending' };
    }
    if (this.leader === null) return { type: 'dropped', reason: 'no-leader', leader: null };
    this.send(this.leader, 'read-index', { term: 0, context });
    return { type: 'pending' };
  }

  transferLeader(target: NodeId): void {
    if (typeof target !== 'string') {
      throw invalidArgument(`transferLeader: target must be a node id (got ${typeof target})`);
    }
    if (this.role === 'leader') this.handleTransferLeader(target);
    else if (this.leader !== null) {
      this.send(this.leader, 'transfer-leader', { term: 0, context: target });
    }
  }

  forgetLeader(): void {
    if (this.role !== 'follower') return;
    this.leader = null;
  }

  campaign(): void {
    this.hup(false);
  }

  hasReady(): boolean {
    if (this.inflightReady !== null) return false;
    this.flushBroadcast();
    return (
      this.messages.length > 0 ||
      this.log.unstableFrom <= this.log.lastIndex() ||
      this.pendingSnapshot !== null ||
      this.hardStateChanged() ||
      this.log.applying < this.log.committed ||
      this.readStates.length > 0 ||
      this.proposalResults.length > 0
    );
  }

  takeForwards(): readonly RaftMessage[] {
    if (!this.messages.some((m) => m.term === 0)) return EMPTY_MESSAGES;
    const forwards = this.messages.filter((m) => m.term === 0);
    this.messages = this.messages.filter((m) => m.term !== 0);
    return forwards;
  }

  ready(): Ready {
    if (this.inflightReady !== null) {
      throw new RaftError({
        code: 'RAFT_INVALID_ARGUMENT',
        message: 'ready: the previous ready was not advanced',
      });
    }
    this.flushBroadcast();
    const last = this.log.lastIndex();
    const entries =
      this.log.unstableFrom <= last
        ? this.log.slice(this.log.unstableFrom, last + 1, Infinity)
        : EMPTY;
    const hardState = this.hardStateChanged() ? this.currentHardState() : null;
    const snapshot = this.pendingSnapshot;
    // Committed entries are applied only after this ready's write, so they may include entries
    // that this very write makes durable.
    const applyTo = Math.min(this.log.committed, last);
    const committedEntries =
      snapshot === null && this.log.applying < applyTo
        ? this.log.slice(this.log.applying + 1, applyTo + 1, Infinity)
        : EMPTY;
    const voteOnDisk =
      hardState === null ||
      (hardState.term === this.persistedHardState.term &&
        hardState.vote === this.persistedHardState.vote);
    const ready: Ready = {
      hardState,
      entries,
      snapshot,
      committedEntries,
      messages: this.messages,
      readStates: this.readStates,
      proposals: this.proposalResults,
      sendBeforeWrite:
        snapshot === null && voteOnDisk && (entries.length === 0 || this.role === 'leader'),
      applyBeforeWrite: snapshot === null && entries.length === 0,
    };
    this.inflightReady = {
      lastEntry: entries.length > 0 ? last : -1,
      applyTo: committedEntries.length > 0 ? applyTo : -1,
      snapshot,
      committedEntries,
    };
    if (hardState !== null) this.persistedHardState = hardState;
    if (entries.length > 0) this.log.unstableFrom = last + 1;
    if (committedEntries.length > 0) this.log.applying = applyTo;
    this.pendingSnapshot = null;
    this.messages = [];
    this.readStates = [];
    this.proposalResults = [];
    return ready;
  }

  advance(): void {
    const done = this.inflightReady;
    if (done === null) return;
    this.inflightReady = null;
    if (done.snapshot !== null) {
      const index = done.snapshot.metadata.index;
      this.persistedIndex = Math.max(this.persistedIndex, index);
      this.log.applied = Math.max(this.log.applied, index);
      this.log.applying = Math.max(this.log.applying, index);
    }
    if (done.lastEntry >= 0) this.persistedIndex = Math.max(this.persistedIndex, done.lastEntry);
    if (done.applyTo >= 0) {
      this.log.applied = Math.max(this.log.applied, done.applyTo);
      this.applyCommittedConfChanges(done.applyTo);
    }
    if (this.role === 'leader') {
      const self = this.progress.get(this.id);
      if (
        self !== undefined &&
        updateMatch(self, Math.min(this.persistedIndex, this.log.lastIndex()))
      ) {
        if (this.maybeCommit()) this.broadcastAppend();
      }
      this.maybeAutoLeave();
    }
  }

  compact(data: Uint8Array): Snapshot {
    if (!(data instanceof Uint8Array)) {
      throw invalidArgument(`compact: data must be a Uint8Array (got ${typeof data})`);
    }
    const index = this.log.applied;
    const term = this.log.term(index);
    if (term === undefined || index <= this.log.snapshotIndex) {
      throw invalidArgument(`compact: nothing new to compact at applied index ${index}`);
    }
    const snapshot: Snapshot = { metadata: { index, term, conf: this.conf }, data };
    this.snapshot = snapshot;
    this.log.compact(index, term);
    return snapshot;
  }

  softState(): SoftState {
    return { role: this.role, term: this.term, leader: this.leader, conf: this.conf };
  }

  status(): RaftCoreStatus {
    const progress = new Map<NodeId, FollowerProgress>();
    if (this.role === 'leader') {
      for (const [id, pr] of this.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          inflight: pr.inflightIndexes.length,
          learner: pr.learner,
          recentActive: pr.recentActive,
        });
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
      conf: this.conf,
      leadTransferee: this.leadTransferee,
      progress,
    };
  }

  // -- roles -----------------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.random.int(
      this.electionTicks,
      2 * this.electionTicks - 1,
    );
    this.leadTransferee = null;
    this.votes.clear();
    this.progress.clear();
    this.uncommittedBytes = 0;
    // Reads waiting on this node as leader can no longer be confirmed; their callers retry.
    this.readOnly.clear();
    this.pendingReadIndex = [];
  }

  private becomeFollower(term: number, leader: NodeId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
  }

  private becomePreCandidate(): void {
    this.role = 'pre-candidate';
    this.votes.clear();
    this.leader = null;
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    const last = this.log.lastIndex();
    for (const id of allNodes(this.conf)) {
      this.progress.set(id, createProgress(last + 1, !isVoter(this.conf, id)));
    }
    const self = this.progress.get(this.id);
    if (self !== undefined) {
      updateMatch(self, Math.min(this.persistedIndex, last));
      becomeReplicate(self);
    }
    // Entries of earlier terms may hide a membership change; none may be proposed until they apply.
    this.pendingConfIndex = last;
    // Commitment counts only entries of the current term, so a new term starts with a no-op.
    this.appendLocal('normal', new Uint8Array(0));
    this.broadcastAppend();
  }

  private promotable(): boolean {
    return isVoter(this.conf, this.id);
  }

  private hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // A committed membership change not yet applied could change who may vote.
    for (let index = this.log.applied + 1; index <= this.log.committed; index++) {
      if (this.log.entry(index)?.type === 'conf-change') return;
    }
    this.startCampaign(this.preVote && !transfer ? 'pre-vote' : 'vote', transfer);
  }

  private startCampaign(kind: 'pre-vote' | 'vote', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    this.votes.set(this.id, true);
    if (this.tallyVotes() === 'won') {
      if (kind === 'pre-vote') this.startCampaign('vote', transfer);
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of new Set([...this.conf.voters, ...this.conf.votersOutgoing])) {
      if (id === this.id) continue;
      this.send(id, kind, {
        term: voteTerm,
        index: lastIndex,
        logTerm: lastTerm,
        context: transfer ? 'transfer' : '',
      });
    }
  }

  private tallyVotes() {
    return jointVote(this.conf, this.votes);
  }

  private handleVoteRequest(m: RaftMessage): void {
    const preVote = m.type === 'pre-vote';
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leader === null) ||
      (preVote && m.term > this.term);
    const responseType = preVote ? 'pre-vote-response' : 'vote-response';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // The response goes out only after this vote is durable (messages wait for the write).
      this.send(m.from, responseType, { term: m.term });
      if (!preVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(m.from, responseType, { reject: true });
    }
  }

  private stepCandidate(m: RaftMessage): void {
    const want = this.role === 'pre-candidate' ? 'pre-vote-response' : 'vote-response';
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'vote-response':
      case 'pre-vote-response': {
        if (m.type !== want) return;
        this.votes.set(m.from, !m.reject);
        const outcome = this.tallyVotes();
        if (outcome === 'won') {
          if (this.role === 'pre-candidate') this.startCampaign('vote', m.context === 'transfer');
          else this.becomeLeader();
        } else if (outcome === 'lost') {
          this.becomeFollower(this.term, null);
        }
        return;
      }
      case 'timeout-now':
        return;
      default:
        return;
    }
  }

  private stepFollower(m: RaftMessage): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.log.commitTo(m.commit);
        // Our last index, and the last index the leader had sent us: a gap means lost appends.
        this.send(m.from, 'heartbeat-response', {
          context: m.context,
          index: this.log.lastIndex(),
          rejectHint: m.index,
        });
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshotChunk(m);
        return;
      case 'timeout-now':
        // The leader hands over: campaign at once, skipping pre-vote and leases.
        this.hup(true);
        return;
      default:
        return;
    }
  }

  /** Messages with term 0: requests forwarded between nodes, answered whatever the term. */
  private stepLocal(m: RaftMessage): void {
    switch (m.type) {
      case 'propose': {
        const entry = m.entries[0];
        if (this.role !== 'leader' || entry === undefined) {
          this.send(m.from, 'propose-response', { term: 0, reject: true, context: m.context });
          return;
        }
        // The network may deliver a forwarded proposal twice: append it once.
        const key = m.context === '' ? '' : `${m.from}\u0000${m.context}`;
        const seen = key === '' ? undefined : this.forwardedSeen.get(key);
        const result: ProposeResult = seen ?? this.appendProposal(entry.type, entry.data);
        if (result.type === 'appended') {
          if (key !== '' && seen === undefined) this.rememberForwarded(key, result);
          this.send(m.from, 'propose-response', {
            term: 0,
            index: result.index,
            logTerm: result.term,
            context: m.context,
          });
        } else {
          this.send(m.from, 'propose-response', { term: 0, reject: true, context: m.context });
        }
        return;
      }
      case 'propose-response':
        this.proposalResults.push({
          context: m.context,
          index: m.reject ? 0 : m.index,
          term: m.reject ? 0 : m.logTerm,
          dropped: m.reject,
        });
        return;
      case 'read-index':
        if (this.role === 'leader') this.handleReadIndex(m.from, m.context);
        else
          this.send(m.from, 'read-index-response', { term: 0, reject: true, context: m.context });
        return;
      case 'read-index-response':
        if (!m.reject) this.readStates.push({ index: m.index, context: m.context });
        return;
      case 'transfer-leader':
        if (this.role === 'leader') this.handleTransferLeader(m.context);
        return;
      default:
        return;
    }
  }

  // -- follower work ---------------------------------------------------------------------------

  private handleAppend(m: RaftMessage): void {
    if (m.index < this.log.committed) {
      this.send(m.from, 'append-response', { index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(m.index, m.logTerm)) {
      const before = this.log.unstableFrom;
      const lastNew = this.log.appendFromLeader(m.index, m.entries);
      if (this.log.unstableFrom < before) this.truncatedFrom(this.log.unstableFrom);
      this.log.commitTo(Math.min(m.commit, lastNew));
      this.send(m.from, 'append-response', { index: lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(m.from, 'append-response', {
      index: m.index,
      reject: true,
      rejectHint: hint,
      logTerm: this.log.term(hint) ?? 0,
    });
  }

  /** Entries from `index` on were replaced in memory; what was durable there no longer counts. */
  private truncatedFrom(index: number): void {
    this.persistedIndex = Math.min(this.persistedIndex, index - 1);
    if (this.inflightReady !== null && this.inflightReady.lastEntry >= index) {
      this.inflightReady.lastEntry = index - 1;
    }
  }

  private handleSnapshotChunk(m: RaftMessage): void {
    const chunk = m.snapshot as SnapshotChunk;
    const meta = chunk.metadata;
    if (meta.index <= this.log.committed) {
      this.assembly = null;
      this.send(m.from, 'append-response', { index: this.log.committed });
      return;
    }
    let assembly = this.assembly;
    if (assembly === null || assembly.index !== meta.index || assembly.term !== meta.term) {
      if (chunk.offset !== 0) {
        this.send(m.from, 'snapshot-response', { index: 0, commit: meta.index, reject: true });
        return;
      }
      assembly = { index: meta.index, term: meta.term, size: chunk.size, chunks: [], received: 0 };
      this.assembly = assembly;
    }
    if (chunk.offset === assembly.received) {
      assembly.chunks.push(chunk.data);
      assembly.received += chunk.data.byteLength;
    }
    if (assembly.received < assembly.size) {
      this.send(m.from, 'snapshot-response', {
        index: assembly.received,
        commit: meta.index,
        reject: chunk.offset !== assembly.received - chunk.data.byteLength,
      });
      return;
    }
    this.assembly = null;
    const data = concat(assembly.chunks, assembly.size);
    this.restore({ metadata: meta, data });
    this.send(m.from, 'append-response', { index: this.log.lastIndex() });
  }

  private restore(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: only the commit point moves.
      this.log.commitTo(index);
      return;
    }
    this.log.restore(snapshot);
    this.truncatedFrom(index + 1);
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
    this.log.applying = index;
    this.conf = snapshot.metadata.conf;
    this.confAppliedIndex = index;
  }

  // -- leader work -----------------------------------------------------------------------------

  private stepLeader(m: RaftMessage): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case 'append-response':
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        return;
      case 'heartbeat-response':
        pr.recentActive = true;
        pr.probeSent = false;
        if (
          pr.state === 'replicate' &&
          pr.inflightIndexes.length > 0 &&
          (m.index < m.rejectHint || pr.match === pr.matchAtHeartbeat)
        ) {
          // The follower lacks entries sent before this heartbeat, or acknowledged nothing for a
          // whole heartbeat round: appends were lost. Probe again.
          becomeProbe(pr);
        }
        pr.matchAtHeartbeat = pr.match;
        if (pr.state === 'snapshot') this.sendSnapshotChunk(m.from, pr);
        else if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, pr, false);
        if (m.context !== '' && !this.leaseReads) this.handleReadAck(m.from, m.context);
        return;
      case 'snapshot-response':
        pr.recentActive = true;
        if (pr.state !== 'snapshot' || pr.snapshot?.metadata.index !== m.commit) return;
        pr.snapshotOffset = m.index;
        if (m.index < (pr.snapshot?.data.byteLength ?? 0)) this.sendSnapshotChunk(m.from, pr);
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: RaftMessage, pr: Progress): void {
    if (m.reject) {
      const hint =
        m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm) : m.rejectHint;
      if (decreaseTo(pr, m.index, hint)) {
        if (pr.state === 'replicate') becomeProbe(pr);
        this.sendAppend(m.from, pr, false);
      }
      return;
    }
    const wasPaused = isPaused(pr, this.maxInflightMsgs, this.maxInflightBytes);
    if (!updateMatch(pr, m.index)) {
      if (pr.state === 'replicate' && wasPaused) this.sendMore(m.from, pr);
      return;
    }
    if (pr.state === 'probe') becomeReplicate(pr);
    else if (pr.state === 'snapshot' && pr.match >= (pr.snapshot?.metadata.index ?? 0)) {
      becomeProbe(pr);
      becomeReplicate(pr);
    }
    if (this.maybeCommit()) this.broadcastAppend();
    // A follower that was paused may have missed the commit index; an empty append carries it.
    else if (wasPaused) this.sendAppend(m.from, pr, true);
    this.sendMore(m.from, pr);
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send(m.from, 'timeout-now', {});
    }
  }

  private sendMore(to: NodeId, pr: Progress): void {
    while (pr.state === 'replicate' && pr.next <= this.log.lastIndex()) {
      if (!this.sendAppend(to, pr, false)) break;
    }
  }

  private maybeCommit(): boolean {
    const index = jointCommitted(this.conf, this.progress);
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const hadCommitInTerm = this.log.term(this.log.committed) === this.term;
    for (let i = this.log.committed + 1; i <= index; i++) {
      const entry = this.log.entry(i);
      if (entry !== undefined && entry.term === this.term) {
        this.uncommittedBytes = Math.max(0, this.uncommittedBytes - entry.data.byteLength);
      }
    }
    this.log.commitTo(index);
    if (!hadCommitInTerm) {
      const waiting = this.pendingReadIndex;
      this.pendingReadIndex = [];
      for (const read of waiting) this.handleReadIndex(read.from, read.context);
    }
    return true;
  }

  private flushBroadcast(): void {
    if (!this.broadcastPending) return;
    this.broadcastPending = false;
    if (this.role === 'leader') this.broadcastAppend();
  }

  private broadcastAppend(): void {
    for (const [id, pr] of this.progress) {
      if (id !== this.id) this.sendAppend(id, pr, true);
    }
  }

  private broadcastHeartbeat(context: string): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      this.send(id, 'heartbeat', {
        commit: Math.min(pr.match, this.log.committed),
        index: pr.next - 1,
        context,
      });
    }
  }

  /** Sends one append (or starts a snapshot); false when nothing was sent. */
  private sendAppend(to: NodeId, pr: Progress, allowEmpty: boolean): boolean {
    if (isPaused(pr, this.maxInflightMsgs, this.maxInflightBytes)) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      if (this.snapshot === null) return false;
      becomeSnapshot(pr, this.snapshot);
      this.sendSnapshotChunk(to, pr);
      return true;
    }
    const last = this.log.lastIndex();
    const entries = pr.next <= last ? this.log.slice(pr.next, last + 1, this.maxSizePerMsg) : EMPTY;
    if (entries.length === 0 && !allowEmpty) return false;
    let bytes = 0;
    for (const entry of entries) bytes += entrySize(entry);
    this.send(to, 'append', {
      index: prevIndex,
      logTerm: prevTerm,
      entries,
      commit: this.log.committed,
    });
    sentEntries(pr, entries.length, prevIndex + entries.length, bytes);
    return true;
  }

  private sendSnapshotChunk(to: NodeId, pr: Progress): void {
    const snapshot = pr.snapshot;
    if (snapshot === null) return;
    const size = snapshot.data.byteLength;
    const offset = Math.min(pr.snapshotOffset, size);
    const data = snapshot.data.subarray(offset, offset + this.snapshotChunkBytes);
    this.send(to, 'snapshot', { snapshot: { metadata: snapshot.metadata, size, offset, data } });
  }

  private handleReadIndex(from: NodeId, context: string): void {
    const singleVoter =
      this.conf.voters.length === 1 &&
      this.conf.voters[0] === this.id &&
      this.conf.votersOutgoing.length === 0;
    if (singleVoter) {
      this.answerRead(from, context, this.log.committed);
      return;
    }
    // Until an entry of this term commits, the leader may not know the latest commit index.
    if (this.log.term(this.log.committed) !== this.term) {
      this.pendingReadIndex.push({ from, context });
      return;
    }
    if (this.leaseReads) {
      this.answerRead(from, context, this.log.committed);
      return;
    }
    if (this.readOnly.add(context, from, this.log.committed, this.id)) {
      this.broadcastHeartbeat(context);
    }
  }

  private handleReadAck(from: NodeId, context: string): void {
    const acks = this.readOnly.ack(context, from);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (jointVote(this.conf, votes) !== 'won') return;
    for (const read of this.readOnly.release(context)) {
      this.answerRead(read.from, read.context, read.index);
    }
  }

  private answerRead(from: NodeId, context: string, index: number): void {
    if (from === this.id) this.readStates.push({ index, context });
    else this.send(from, 'read-index-response', { term: 0, index, context });
  }

  private handleTransferLeader(target: NodeId): void {
    const pr = this.progress.get(target);
    if (pr === undefined || pr.learner || target === this.id) return;
    if (this.leadTransferee === target) return;
    this.leadTransferee = target;
    // The transfer must finish within one election timeout, or it is abandoned.
    this.electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.send(target, 'timeout-now', {});
    else this.sendAppend(target, pr, false);
  }

  // -- proposals and membership ----------------------------------------------------------------

  private proposeEntry(type: EntryType, data: Uint8Array, context: string): ProposeResult {
    if (this.role === 'leader') return this.appendProposal(type, data);
    if (this.leader === null) return { type: 'dropped', reason: 'no-leader', leader: null };
    if (!this.proposalForwarding) {
      return { type: 'dropped', reason: 'forwarding-disabled', leader: this.leader };
    }
    this.send(this.leader, 'propose', {
      term: 0,
      entries: [{ index: 0, term: 0, type, data }],
      context,
    });
    return { type: 'forwarded', leader: this.leader };
  }

  private appendProposal(type: EntryType, data: Uint8Array): ProposeResult {
    if (this.leadTransferee !== null) return this.dropped('transferring-leadership');
    if (!this.progress.has(this.id)) return this.dropped('not-a-member');
    if (
      this.maxUncommittedBytes > 0 &&
      this.uncommittedBytes > 0 &&
      this.uncommittedBytes + data.byteLength > this.maxUncommittedBytes
    ) {
      return this.dropped('uncommitted-limit');
    }
    if (type === 'conf-change') {
      if (this.pendingConfIndex > this.log.applied) return this.dropped('conf-change-pending');
      let change: ConfChange;
      try {
        change = decodeConfChange(data);
      } catch {
        return this.dropped('conf-change-invalid');
      }
      if (applyConfChange(this.conf, change) instanceof ConfChangeRefusal) {
        return this.dropped('conf-change-invalid');
      }
    }
    const index = this.appendLocal(type, data);
    if (type === 'conf-change') this.pendingConfIndex = index;
    // Sent with the next ready, so proposals made in one turn share one append per follower.
    this.broadcastPending = true;
    return { type: 'appended', index, term: this.term };
  }

  private rememberForwarded(key: string, result: ProposeResult): void {
    this.forwardedSeen.set(key, result);
    if (this.forwardedSeen.size > 10_000) {
      const oldest = this.forwardedSeen.keys().next().value as string;
      this.forwardedSeen.delete(oldest);
    }
  }

  private dropped(reason: DropReason): ProposeResult {
    return { type: 'dropped', reason, leader: this.id };
  }

  /** Appends one of the leader's own entries; returns its index. */
  private appendLocal(type: EntryType, data: Uint8Array): number {
    const index = this.log.lastIndex() + 1;
    this.log.entries.push({ index, term: this.term, type, data });
    this.uncommittedBytes += data.byteLength;
    return index;
  }

  /** Applies the membership changes of committed entries up to `index`, in log order. */
  private applyCommittedConfChanges(index: number): void {
    for (let at = this.confAppliedIndex + 1; at <= index; at++) {
      const entry = this.log.entry(at);
      if (entry?.type !== 'conf-change') continue;
      let change: ConfChange;
      try {
        change = decodeConfChange(entry.data);
      } catch {
        continue;
      }
      const next = applyConfChange(this.conf, change);
      // Every node refuses the same changes in the same order, so skipping one keeps them equal.
      if (!(next instanceof ConfChangeRefusal)) this.setConf(next);
    }
    this.confAppliedIndex = Math.max(this.confAppliedIndex, index);
  }

  private setConf(conf: ConfState): void {
    this.conf = conf;
    if (this.role !== 'leader') return;
    const members = new Set(allNodes(conf));
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    const added: NodeId[] = [];
    for (const id of members) {
      const existing = this.progress.get(id);
      if (existing === undefined) {
        this.progress.set(id, createProgress(this.log.lastIndex() + 1, !isVoter(conf, id)));
        added.push(id);
      } else {
        existing.learner = !isVoter(conf, id);
      }
    }
    // A new member hears from the leader at once, so it learns who leads and starts catching up.
    for (const id of added) this.sendAppend(id, this.progress.get(id) as Progress, true);
    if (!isVoter(conf, this.id)) {
      // A leader removed from the configuration steps down; the rest elect a new one.
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.leadTransferee !== null && !members.has(this.leadTransferee))
      this.leadTransferee = null;
    if (this.maybeCommit()) this.broadcastAppend();
    else for (const [id, pr] of this.progress) if (id !== this.id) this.sendAppend(id, pr, false);
  }

  private maybeAutoLeave(): void {
    if (
      this.conf.votersOutgoing.length > 0 &&
      this.conf.autoLeave &&
      this.pendingConfIndex <= this.log.applied &&
      this.confAppliedIndex >= this.pendingConfIndex
    ) {
      this.appendProposal('conf-change', encodeConfChange({ changes: [] }));
    }
  }

  // -- plumbing --------------------------------------------------------------------------------

  private send(to: NodeId, type: MessageType, fields: Partial<RaftMessage>): void {
    this.messages.push({
      type,
      from: this.id,
      to,
      term: fields.term ?? this.term,
      logTerm: fields.logTerm ?? 0,
      index: fields.index ?? 0,
      entries: fields.entries ?? EMPTY,
      commit: fields.commit ?? 0,
      reject: fields.reject ?? false,
      rejectHint: fields.rejectHint ?? 0,
      context: fields.context ?? '',
      snapshot: fields.snapshot ?? null,
    });
  }

  private currentHardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private hardStateChanged(): boolean {
    const p = this.persistedHardState;
    return p.term !== this.term || p.vote !== this.vote || p.commit !== this.log.committed;
  }
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && (chunks[0] as Uint8Array).byteLength === size) {
    return chunks[0] as Uint8Array;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

function invalidArgument(message: string): RaftError {
  return new RaftError({ code: 'RAFT_INVALID_ARGUMENT', message: `raft core ${message}` });
}

function checkMessage(m: RaftMessage, self: NodeId): void {
  if (
    typeof m !== 'object' ||
    m === null ||
    !KNOWN_TYPES.has(m.type) ||
    typeof m.from !== 'string' ||
    m.to !== self ||
    !Number.isSafeInteger(m.term) ||
    m.term < 0 ||
    !Number.isSafeInteger(m.index) ||
    !Number.isSafeInteger(m.logTerm) ||
    !Number.isSafeInteger(m.commit) ||
    !Array.isArray(m.entries) ||
    typeof m.context !== 'string' ||
    (m.type === 'snapshot' && (m.snapshot === null || typeof m.snapshot !== 'object'))
  ) {
    throw invalidArgument(
      `step: malformed message (type ${JSON.stringify((m as { type?: unknown })?.type)}, to ${JSON.stringify((m as { to?: unknown })?.to)})`,
    );
  }
}
