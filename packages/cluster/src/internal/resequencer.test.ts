import { createManualClock } from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Resequencer } from './resequencer';

describe('Resequencer', () => {
  it('delivers each stream in order and once, whatever the arrival order and duplicates', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        (lengths, seed) => {
          const clock = createManualClock();
          const seen: Array<[string, number]> = [];
          const r = new Resequencer(clock, 1_000, (_, message) =>
            seen.push(message as [string, number]),
          );
          // Each stream's first message arrives first (it sets the baseline), the rest shuffled
          // with duplicates, as two delivery paths during a move would give them.
          const arrivals: Array<[string, number]> = [];
          let state = seed >>> 0;
          const next = () => {
            state = (state * 1_103_515_245 + 12_345) >>> 0;
            return state;
          };
          for (const [s, length] of lengths.entries()) {
            r.accept('a', `s${s}`, 1, [`s${s}`, 1]);
            for (let seq = 2; seq <= length; seq++) {
              arrivals.push([`s${s}`, seq]);
              if (next() % 4 === 0) arrivals.push([`s${s}`, seq]);
            }
          }
          for (let i = arrivals.length - 1; i > 0; i--) {
            const j = next() % (i + 1);
            [arrivals[i], arrivals[j]] = [
              arrivals[j] as [string, number],
              arrivals[i] as [string, number],
            ];
          }
          for (const [stream, seq] of arrivals) r.accept('a', stream, seq, [stream, seq]);
          for (const [s, length] of lengths.entries()) {
            const mine = seen.filter(([stream]) => stream === `s${s}`).map(([, seq]) => seq);
            expect(mine).toEqual(Array.from({ length }, (_, i) => i + 1));
          }
        },
      ),
      { seed: 15, numRuns: 200 },
    );
  });

  it('starts a stream an agent that moved in has not seen at 1, so its forwarded start is not lost', () => {
    const clock = createManualClock();
    const seen: Array<[string, number]> = [];
    const r = new Resequencer(clock, 1_000, (_, message) => seen.push(message as [string, number]));
    // The table of a move, made before sender "late" reached the agent at all.
    r.import('a', { next: { early: 4 }, waiting: [] });
    // The sender learned the move and its direct sends overtake the source's forwarded ones.
    r.accept('a', 'late', 51, ['late', 51]);
    r.accept('a', 'late', 52, ['late', 52]);
    expect(seen).toEqual([]);
    for (let seq = 1; seq <= 50; seq++) r.accept('a', 'late', seq, ['late', seq]);
    r.accept('a', 'early', 4, ['early', 4]);
    expect(seen.filter(([s]) => s === 'late').map(([, n]) => n)).toEqual(
      Array.from({ length: 52 }, (_, i) => i + 1),
    );
    expect(seen.at(-1)).toEqual(['early', 4]);
    // A fresh agent still takes any first number as its baseline.
    r.accept('b', 'late', 51, ['late', 51]);
    expect(seen.at(-1)).toEqual(['late', 51]);
  });

  it('goes past a gap that does not fill within gapMs, and still delivers what of it comes late', () => {
    const clock = createManualClock();
    const seen: number[] = [];
    const r = new Resequencer(clock, 500, (_, message) => seen.push(message as number));
    r.accept('a', 's', 1, 1);
    r.accept('a', 's', 5, 5);
    r.accept('a', 's', 6, 6);
    expect(seen).toEqual([1]);
    clock.advance(499);
    expect(seen).toEqual([1]);
    clock.advance(1);
    expect(seen).toEqual([1, 5, 6]);
    // 2..4 were gone past; 3 and then 2 arrive after all (their path stalled): late, not lost.
    r.accept('a', 's', 3, 3);
    r.accept('a', 's', 2, 2);
    expect(seen).toEqual([1, 5, 6, 3, 2]);
    expect(r.late).toBe(2);
    // Each once: a second copy of a late one, or of one delivered in order, is a duplicate.
    r.accept('a', 's', 3, 3);
    r.accept('a', 's', 5, 5);
    r.accept('a', 's', 1, 1);
    r.accept('a', 's', 7, 7);
    r.accept('a', 's', 4, 4);
    r.accept('a', 's', 4, 4);
    expect(seen).toEqual([1, 5, 6, 3, 2, 7, 4]);
    expect(r.late).toBe(3);
  });

  it('a table travels with its agent: the new node goes on from where the old one stopped', () => {
    const clock = createManualClock();
    const old: number[] = [];
    const here: number[] = [];
    const a = new Resequencer(clock, 500, (_, message) => old.push(message as number));
    const b = new Resequencer(clock, 500, (_, message) => here.push(message as number));
    a.accept('__proto__', 's', 1, 1);
    a.accept('__proto__', 's', 2, 2);
    a.accept('__proto__', 's', 4, 4); // waits for 3
    const table = a.export('__proto__');
    expect(table.next.s).toBe(3);
    b.import('__proto__', table);
    b.accept('__proto__', 's', 2, 2); // a duplicate that was forwarded
    b.accept('__proto__', 's', 3, 3);
    expect(old).toEqual([1, 2]);
    expect(here).toEqual([3, 4]);
  });
});
