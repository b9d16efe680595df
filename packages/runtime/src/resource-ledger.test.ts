import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createResourceLedger } from './resource-ledger';

describe('resource ledger', () => {
  it('never over-commits, and its books always balance (property)', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('reserve' as const),
        holder: fc.integer({ min: 0, max: 5 }),
        memory: fc.integer({ min: 0, max: 60 }),
        cpu: fc.double({ min: 0, max: 3, noNaN: true }),
      }),
      fc.record({ kind: fc.constant('release' as const), holder: fc.integer({ min: 0, max: 5 }) }),
      fc.record({
        kind: fc.constant('spend' as const),
        holder: fc.integer({ min: 0, max: 5 }),
        tokens: fc.integer({ min: 0, max: 400 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const ledger = createResourceLedger({
          totalMemory: 100,
          availableMemory: 100,
          totalCpu: 4,
          availableCpu: 4,
          tokens: 1_000,
        });
        const held = new Map<number, { memory: number; cpu: number }>();
        let spent = 0;
        for (const o of ops) {
          const holder = `h${o.holder}`;
          try {
            if (o.kind === 'reserve') {
              ledger.reserve(holder, { memory: o.memory, cpu: o.cpu, tokens: 300 });
              held.set(o.holder, { memory: o.memory, cpu: o.cpu });
            } else if (o.kind === 'release') {
              ledger.release(holder);
              held.delete(o.holder);
            } else {
              ledger.spend(holder, { tokens: o.tokens });
              spent += o.tokens;
            }
          } catch (error) {
            expect(error).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
          }
          const pool = ledger.pool();
          const memory = [...held.values()].reduce((sum, h) => sum + h.memory, 0);
          const cpu = [...held.values()].reduce((sum, h) => sum + h.cpu, 0);
          expect(pool.availableMemory).toBeGreaterThanOrEqual(0);
          expect(memory).toBeLessThanOrEqual(100);
          expect(pool.availableMemory).toBeCloseTo(100 - memory, 6);
          expect(cpu).toBeLessThanOrEqual(4 + 1e-6);
          expect(pool.tokens).toBe(1_000 - spent);
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('keeps an agent within its own spending limit, and lets the limit change', () => {
    const ledger = createResourceLedger();
    ledger.reserve('writer', { tokens: 100, cost: 1 });
    ledger.spend('writer', { tokens: 60, cost: 0.5 });
    expect(() => ledger.spend('writer', { tokens: 50 })).toThrow(
      expect.objectContaining({ resource: 'tokens', available: 40 }),
    );
    expect(() => ledger.spend('writer', { cost: 0.6 })).toThrow(
      expect.objectContaining({ resource: 'cost' }),
    );
    ledger.setLimits('writer', { tokens: 200 });
    ledger.spend('writer', { tokens: 50 });
    expect(ledger.holding('writer')).toMatchObject({ tokensSpent: 110, tokenLimit: 200 });
    expect(() => ledger.spend('writer', { tokens: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('validates the pool it is given', () => {
    expect(() => createResourceLedger({ totalMemory: -1 })).toThrow(/pool.totalMemory/);
  });
});
