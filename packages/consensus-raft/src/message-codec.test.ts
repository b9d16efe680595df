import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftError } from './errors';
import { decodeRaftMessage, encodeRaftMessage } from './message-codec';
import type { RaftMessage } from './messages';

const id = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'n1', 'ünïcödé'));
const index = fc.nat({ max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 64 });
const entry = fc.record({
  index,
  term: index,
  type: fc.constantFrom('normal' as const, 'conf-change' as const),
  data: bytes,
});
const conf = fc.record({
  voters: fc.array(id, { maxLength: 4 }),
  learners: fc.array(id, { maxLength: 3 }),
  votersOutgoing: fc.array(id, { maxLength: 3 }),
  learnersNext: fc.array(id, { maxLength: 2 }),
  autoLeave: fc.boolean(),
});
const message: fc.Arbitrary<RaftMessage> = fc.record({
  type: fc.constantFrom(
    'append',
    'append-response',
    'heartbeat',
    'vote',
    'pre-vote-response',
    'snapshot',
    'propose',
    'read-index-response',
    'transfer-leader',
  ),
  from: id,
  to: id,
  term: index,
  logTerm: index,
  index,
  entries: fc.array(entry, { maxLength: 6 }),
  commit: index,
  reject: fc.boolean(),
  rejectHint: index,
  context: fc.string(),
  snapshot: fc.option(
    fc.record({
      metadata: fc.record({ index, term: index, conf }),
      size: index,
      offset: index,
      data: bytes,
    }),
  ),
});

describe('the Raft message codec', () => {
  it('round-trips every message exactly', () => {
    fc.assert(
      fc.property(message, (original) => {
        expect(decodeRaftMessage(encodeRaftMessage(original))).toEqual(original);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('refuses every truncation and any trailing byte with RAFT_INVALID_ARGUMENT', () => {
    fc.assert(
      fc.property(message, (original) => {
        const wire = encodeRaftMessage(original);
        for (const cut of [0, 1, 2, Math.floor(wire.length / 2), wire.length - 1]) {
          expect(() => decodeRaftMessage(wire.subarray(0, cut))).toThrow(RaftError);
        }
        const longer = new Uint8Array(wire.length + 1);
        longer.set(wire);
        expect(() => decodeRaftMessage(longer)).toThrow(/1 bytes left over/);
      }),
      { seed: 7, numRuns: 100 },
    );
  });

  it('answers random bytes with a message or a typed error, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (noise) => {
        noise[0] = 1;
        try {
          decodeRaftMessage(noise);
        } catch (error) {
          expect(RaftError.isInstance(error, 'RAFT_INVALID_ARGUMENT')).toBe(true);
        }
      }),
      { seed: 3, numRuns: 1_000 },
    );
    expect(() => decodeRaftMessage('x' as never)).toThrow(/not a Uint8Array/);
    expect(() => encodeRaftMessage({ type: 'gossip' } as never)).toThrow(
      /unknown message type "gossip"/,
    );
  });
});
