import { createRandom, type Random } from '@varplane/core';
import { StoredState } from '../internal/stored-state';
import type { Entry, NodeId, RaftMessage, ReadState } from '../messages';
import {
  createRaftCore,
  type ForwardedProposalResult,
  type RaftCore,
  type RaftCoreOptions,
  type Ready,
} from '../raft-core';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Text proposals in tests and simulations; the state machine is the list of applied texts. */
export const text = (value: string): Uint8Array => encoder.encode(value);
export const untext = (data: Uint8Array): string => decoder.decode(data);

/** One simulated node: its core, what its disk holds, and its state machine. */
export interface SimNode {
  readonly id: NodeId;
  /** Knew the initial configuration (a node added later starts with none). */
  readonly member: boolean;
  core: RaftCore;
  readonly stored: StoredState;
  alive: boolean;
  /** The state machine: texts of applied normal entries (no-ops skipped), in order. */
  applied: string[];
  appliedIndex: number;
  /** A ready taken and being written, with the time its write completes. */
  writing: { ready: Ready; doneAt: number } | null;
  readStates: ReadState[];
  proposals: ForwardedProposalResult[];
  /** Messages the last completed ready sent. */
  lastSent: RaftMessage[];
  /** Bumped on each restart, so events of a dead incarnation are ignored. */
  incarnation: number;
}

/** One message on the wire. */
export interface InFlight {
  readonly message: RaftMessage;
  readonly deliverAt: number;
  readonly seq: number;
}

export interface SimClusterOptions {
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  /** Options for every core; `id`, `peers`, `learners` and `random` are filled in. */
  readonly core?: Partial<RaftCoreOptions>;
  readonly seed?: number;
  /** Called for every entry a node applies: the simulation checks state-machine safety here. */
  readonly onApply?: (node: SimNode, entry: Entry) => void;
  /** Puts a sent message on the wire; the simulation adds faults here. Default: deliver now. */
  readonly transmit?: (message: RaftMessage, cluster: SimCluster) => void;
}

/**
 * A cluster of cores wired to a message queue and to in-memory disks, driven by hand (scenario
 * scripts) or by a seeded scheduler (the simulation). Nothing here is asynchronous.
 */
export class SimCluster {
  readonly nodes = new Map<NodeId, SimNode>();
  inFlight: InFlight[] = [];
  /** Directed links that drop everything: `a->b`. */
  readonly cut = new Set<string>();
  now = 0;
  private seq = 0;
  private readonly random: Random;
  private readonly options: SimClusterOptions;

  constructor(options: SimClusterOptions) {
    this.options = options;
    this.random = createRandom(options.seed ?? 1);
    for (const id of [...options.voters, ...(options.learners ?? [])]) this.addNode(id, true);
  }

  /** Adds a node; `member` nodes know the initial configuration, others join empty. */
  addNode(id: NodeId, member: boolean): SimNode {
    const stored = new StoredState();
    const node: SimNode = {
      id,
      member,
      core: this.makeCore(id, stored, member),
      stored,
      alive: true,
      applied: [],
      appliedIndex: 0,
      writing: null,
      readStates: [],
      proposals: [],
      lastSent: [],
      incarnation: 0,
    };
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${JSON.stringify(id)}`);
    return node;
  }

  private makeCore(id: NodeId, stored: StoredState, _member: boolean): RaftCore {
    return createRaftCore({
      ...this.options.core,
      id,
      // Every node starts from the founding configuration and replays the log's changes on top;
      // a node that joins later is simply not in it yet.
      peers: this.options.voters,
      learners: this.options.learners ?? [],
      state: stored.copy(),
      random: this.random.fork(),
    });
  }

  /**
   * Takes a node's ready and starts its write, which completes at `now + latency`. What the ready
   * allows before its write (messages, applying durable entries) happens now, so a crash before
   * the write completes finds it already done, as it would in a real driver.
   */
  beginWrite(id: NodeId, latency = 0): boolean {
    const node = this.node(id);
    if (!node.alive || node.writing !== null || !node.core.hasReady()) return false;
    const ready = node.core.ready();
    node.writing = { ready, doneAt: this.now + latency };
    node.lastSent = [];
    if (ready.sendBeforeWrite) this.sendOf(node, ready);
    if (ready.applyBeforeWrite) this.applyOf(node, ready);
    return true;
  }

  /** Completes a node's write: durable, then messages out, then apply, then advance. */
  completeWrite(id: NodeId): void {
    const node = this.node(id);
    const writing = node.writing;
    if (writing === null) return;
    node.writing = null;
    const ready = writing.ready;
    node.stored.write(ready);
    if (!ready.sendBeforeWrite) this.sendOf(node, ready);
    if (ready.snapshot !== null) {
      node.applied = JSON.parse(untext(ready.snapshot.data)) as string[];
      node.appliedIndex = ready.snapshot.metadata.index;
    }
    if (!ready.applyBeforeWrite) this.applyOf(node, ready);
    node.readStates.push(...ready.readStates);
    node.proposals.push(...ready.proposals);
    node.core.advance();
  }

  /** Runs one node's ready loop to quiet, writing at once. */
  process(id: NodeId): void {
    const node = this.node(id);
    const sent: RaftMessage[] = [];
    while (this.beginWrite(id)) {
      this.completeWrite(id);
      sent.push(...node.lastSent);
    }
    node.lastSent = sent;
  }

  private sendOf(node: SimNode, ready: Ready): void {
    this.send(ready.messages);
    node.lastSent = [...ready.messages];
  }

  private applyOf(node: SimNode, ready: Ready): void {
    for (const entry of ready.committedEntries) {
      if (entry.index !== node.appliedIndex + 1) {
        throw new Error(`${node.id} applied ${entry.index} after ${node.appliedIndex}`);
      }
      node.appliedIndex = entry.index;
      if (entry.type === 'normal' && entry.data.byteLength > 0)
        node.applied.push(untext(entry.data));
      this.options.onApply?.(node, entry);
    }
  }

  send(messages: readonly RaftMessage[]): void {
    for (const message of messages) {
      if (this.cut.has(`${message.from}->${message.to}`)) continue;
      if (this.options.transmit !== undefined) this.options.transmit(message, this);
      else this.inFlight.push({ message, deliverAt: this.now, seq: this.seq++ });
    }
  }

  /** Puts a message on the wire with a delivery time (the simulation's faults use it). */
  enqueue(message: RaftMessage, deliverAt: number): void {
    this.inFlight.push({ message, deliverAt, seq: this.seq++ });
  }

  /** Steps one message into its recipient, unless the link is cut or the node is down. */
  deliver(message: RaftMessage): boolean {
    if (this.cut.has(`${message.from}->${message.to}`)) return false;
    const node = this.nodes.get(message.to);
    if (node === undefined || !node.alive) return false;
    node.core.step(message);
    return true;
  }

  /** Delivers, in order, every queued message addressed to one of `ids` (all when empty). */
  deliverTo(ids: readonly NodeId[]): RaftMessage[] {
    const wanted = (m: RaftMessage) => ids.length === 0 || ids.includes(m.to);
    const now = this.inFlight.filter((f) => wanted(f.message));
    this.inFlight = this.inFlight.filter((f) => !wanted(f.message));
    const delivered: RaftMessage[] = [];
    for (const { message } of now) if (this.deliver(message)) delivered.push(message);
    return delivered;
  }

  /** Processes and delivers until no node has work and nothing is on the wire. */
  stabilize(limit = 10_000): void {
    for (let round = 0; round < limit; round++) {
      let busy = false;
      for (const id of this.nodes.keys()) {
        if (this.nodes.get(id)?.alive && this.node(id).core.hasReady()) {
          this.process(id);
          busy = true;
        }
      }
      if (this.inFlight.length > 0) {
        this.deliverTo([]);
        busy = true;
      }
      if (!busy) return;
    }
    throw new Error(`stabilize: still busy after ${limit} rounds`);
  }

  /** Stops a node: its unfinished write and everything not on its disk are lost. */
  crash(id: NodeId): void {
    const node = this.node(id);
    node.alive = false;
    node.writing = null;
    node.incarnation += 1;
    this.inFlight = this.inFlight.filter((f) => f.message.to !== id);
  }

  /** Starts a crashed node again from its disk; its state machine is rebuilt from it. */
  restart(id: NodeId): void {
    const node = this.node(id);
    const state = node.stored.copy();
    node.core = this.makeCore(id, node.stored, node.member);
    node.alive = true;
    node.writing = null;
    node.readStates = [];
    node.proposals = [];
    node.applied =
      state.snapshot === null ? [] : (JSON.parse(untext(state.snapshot.data)) as string[]);
    node.appliedIndex = state.snapshot?.metadata.index ?? 0;
  }

  /** The application's snapshot of a node's state machine, compacting its log and disk. */
  compact(id: NodeId): void {
    const node = this.node(id);
    // Between readies only, as a driver does: while one is in flight the state machine may be
    // ahead of the core's applied index (entries applied before the write), and a snapshot of it
    // would claim entries it does not cover.
    if (node.writing !== null) return;
    const snapshot = node.core.compact(text(JSON.stringify(node.applied)));
    node.stored.compact(snapshot);
  }

  /** Cuts both directions between every node of `a` and every node of `b`. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cut.add(`${x}->${y}`);
        this.cut.add(`${y}->${x}`);
      }
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()]
      .filter((n) => n.alive && n.core.status().role === 'leader')
      .map((n) => n.id);
  }
}
