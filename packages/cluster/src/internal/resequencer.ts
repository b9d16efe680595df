import type { Clock, TimerHandle } from '@varplane/core';

/**
 * Puts the sends of each (sender stream, agent) pair back in order and drops duplicates. During a
 * move, mail reaches the new node by two paths (forwarded by the old node, and sent directly once
 * the sender learned the move), so a later message can arrive first: it waits here for the ones
 * before it. A gap that does not fill within `gapMs` is taken for a lost message (sends are at
 * most once): delivery goes on past it rather than stall. One that turns up later after all (its
 * path stalled longer than `gapMs`) is still delivered, late: nothing that arrives is dropped
 * but true duplicates.
 */
export interface SequenceTable {
  /** Per stream: the next sequence number the agent expects. */
  readonly next: Record<string, number>;
  /** Messages that arrived ahead of a gap, not yet delivered. */
  readonly waiting: Array<{ stream: string; seq: number; message: unknown }>;
}

interface Stream {
  next: number;
  waiting: Map<number, unknown> | null;
  timer: TimerHandle | null;
  /** Numbers gone past unseen, as [from, to) ranges: one of them arriving is late, not a duplicate. */
  skipped: Array<[number, number]> | null;
}

/** Skipped ranges remembered per stream; older ones count as lost for good. */
const MAX_SKIPPED_RANGES = 64;

export class Resequencer {
  private readonly agents = new Map<string, Map<string, Stream>>();
  /**
   * Agents whose table travelled with them (they moved in). A stream such an agent has no entry
   * for never reached it anywhere, so its first number is 1: a later one that overtook the
   * forwarded start of the stream waits for it, instead of setting a baseline that would turn the
   * forwarded messages into "duplicates".
   */
  private readonly inherited = new Set<string>();
  /** Messages delivered after the gap before them had been given up on. */
  late = 0;

  constructor(
    private readonly clock: Clock,
    private readonly gapMs: number,
    private readonly deliver: (agent: string, message: unknown) => void,
  ) {}

  /** Takes message `seq` of `stream` for `agent`; delivers it and any it unblocks, in order. */
  accept(agent: string, stream: string, seq: number, message: unknown): void {
    let streams = this.agents.get(agent);
    if (streams === undefined) {
      streams = new Map();
      this.agents.set(agent, streams);
    }
    let state = streams.get(stream);
    if (state === undefined) {
      if (!this.inherited.has(agent) || seq === 1) {
        // The first message of a stream to a fresh agent (or one restarted from a checkpoint):
        // what came before it, if anything, went to an earlier incarnation.
        streams.set(stream, { next: seq + 1, waiting: null, timer: null, skipped: null });
        this.deliver(agent, message);
        return;
      }
      state = { next: 1, waiting: null, timer: null, skipped: null };
      streams.set(stream, state);
    }
    if (seq < state.next) {
      if (this.takeSkipped(state, seq)) {
        this.late += 1;
        this.deliver(agent, message);
      }
      return; // otherwise a duplicate
    }
    if (state.waiting?.has(seq)) return; // a duplicate
    if (seq === state.next) {
      state.next = seq + 1;
      this.deliver(agent, message);
      this.flush(agent, state);
      return;
    }
    state.waiting ??= new Map();
    state.waiting.set(seq, message);
    state.timer ??= this.clock.setTimeout(() => this.skipGap(agent, state), this.gapMs);
  }

  /** Removes and returns an agent's table, to travel with it. */
  export(agent: string): SequenceTable {
    const streams = this.agents.get(agent);
    this.agents.delete(agent);
    this.inherited.delete(agent);
    const next: Record<string, number> = Object.create(null);
    const waiting: SequenceTable['waiting'] = [];
    for (const [stream, state] of streams ?? []) {
      next[stream] = state.next;
      if (state.timer !== null) this.clock.clearTimeout(state.timer);
      for (const [seq, message] of state.waiting ?? []) waiting.push({ stream, seq, message });
    }
    return { next, waiting };
  }

  /** Installs a table that travelled with an agent (its waiting messages are taken again). */
  import(agent: string, table: SequenceTable): void {
    this.forget(agent);
    const streams = new Map<string, Stream>();
    for (const [stream, next] of Object.entries(table.next)) {
      if (Number.isSafeInteger(next))
        streams.set(stream, { next, waiting: null, timer: null, skipped: null });
    }
    this.agents.set(agent, streams);
    this.inherited.add(agent);
    for (const { stream, seq, message } of table.waiting) this.accept(agent, stream, seq, message);
  }

  forget(agent: string): void {
    for (const state of this.agents.get(agent)?.values() ?? []) {
      if (state.timer !== null) this.clock.clearTimeout(state.timer);
    }
    this.agents.delete(agent);
    this.inherited.delete(agent);
  }

  private flush(agent: string, state: Stream): void {
    const waiting = state.waiting;
    if (waiting === null) return;
    while (waiting.has(state.next)) {
      const message = waiting.get(state.next);
      waiting.delete(state.next);
      state.next += 1;
      this.deliver(agent, message);
    }
    if (waiting.size === 0) {
      state.waiting = null;
      if (state.timer !== null) this.clock.clearTimeout(state.timer);
      state.timer = null;
    }
  }

  /** Whether `seq` was gone past unseen; if so it is taken out of its range (it came now). */
  private takeSkipped(state: Stream, seq: number): boolean {
    const ranges = state.skipped;
    const at = ranges?.findIndex(([from, to]) => seq >= from && seq < to) ?? -1;
    if (ranges === null || at < 0) return false;
    const [from, to] = ranges[at] as [number, number];
    const rest: Array<[number, number]> = [];
    if (from < seq) rest.push([from, seq]);
    if (seq + 1 < to) rest.push([seq + 1, to]);
    ranges.splice(at, 1, ...rest);
    if (ranges.length === 0) state.skipped = null;
    return true;
  }

  private skipGap(agent: string, state: Stream): void {
    state.timer = null;
    if (state.waiting === null || state.waiting.size === 0) return;
    const resume = Math.min(...state.waiting.keys());
    state.skipped ??= [];
    state.skipped.push([state.next, resume]);
    if (state.skipped.length > MAX_SKIPPED_RANGES) state.skipped.shift();
    state.next = resume;
    this.flush(agent, state);
    if (state.waiting !== null && state.waiting.size > 0) {
      state.timer = this.clock.setTimeout(() => this.skipGap(agent, state), this.gapMs);
    }
  }
}
