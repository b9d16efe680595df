import { createRandom, type Random } from '@varplane/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AppendLogInput,
  type AppendLogOutput,
  checkLinearizability,
  createAppendLogModel,
  createKeyValueModel,
  createRegisterModel,
  type KeyValueInput,
  type KeyValueOutput,
  type Model,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../testing';

type RegisterOp = Operation<RegisterInput<number>, RegisterOutput<number>>;
type KvOp = Operation<KeyValueInput, KeyValueOutput>;
type LogOp = Operation<AppendLogInput, AppendLogOutput>;

const register = createRegisterModel({ initial: 0 });
const kv = createKeyValueModel();

const write = (client: string, value: number, start: number, end: number): RegisterOp => ({
  client,
  input: { type: 'write', value },
  start,
  end,
  output: null,
});
const read = (client: string, value: number, start: number, end: number): RegisterOp => ({
  client,
  input: { type: 'read' },
  start,
  end,
  output: value,
});

describe('checkLinearizability on classic register histories', () => {
  it('accepts a sequential history', () => {
    const history = [
      write('a', 1, 0, 1),
      read('b', 1, 2, 3),
      write('a', 2, 4, 5),
      read('b', 2, 6, 7),
    ];
    expect(checkLinearizability(history, register).outcome).toBe('linearizable');
  });

  it('accepts reads of the old and of the new value while a write is in flight', () => {
    // A write spanning both reads; one read sees the old value, the later one the new value.
    const history = [write('a', 100, 0, 100), read('b', 100, 25, 75), read('c', 0, 30, 60)];
    const result = checkLinearizability(history, register);
    expect(result.outcome).toBe('linearizable');
    if (result.outcome !== 'linearizable') return;
    // The witness puts the read of 0 before the write and the read of 100 after it.
    expect(result.linearizations.get('')?.map((op) => op.client)).toEqual(['c', 'a', 'b']);
  });

  it('refuses a read of the old value that starts after a read of the new value ended', () => {
    // New-old inversion: the write is still in flight, but b already saw 1, so c cannot see 0.
    const history = [write('a', 1, 0, 100), read('b', 1, 10, 20), read('c', 0, 30, 40)];
    const result = checkLinearizability(history, register);
    expect(result.outcome).toBe('not-linearizable');
    if (result.outcome !== 'not-linearizable') return;
    const { counterexample } = result;
    expect(counterexample.longestPrefix.map((op) => op.client)).toEqual(['a', 'b']);
    expect(counterexample.stateAfterPrefix).toBe('1');
    expect(counterexample.blocked).toEqual([
      { operation: history[2], expected: 1, reason: 'wrong-output' },
    ]);
    expect(counterexample.message).toContain('[c] read() -> 0 @ 30..40  the model gives 1');
  });

  it('refuses a stale read after a completed write', () => {
    const history = [write('a', 1, 0, 1), read('b', 0, 2, 3)];
    const result = checkLinearizability(history, register);
    expect(result.outcome).toBe('not-linearizable');
  });

  it('treats operations that touch at one instant as concurrent', () => {
    const history = [write('a', 1, 0, 5), read('b', 0, 5, 6)];
    expect(checkLinearizability(history, register).outcome).toBe('linearizable');
  });

  it('refuses two compare-and-sets that both won from the same value', () => {
    const cas = (client: string, start: number, end: number): RegisterOp => ({
      client,
      input: { type: 'cas', expected: 0, value: 1 },
      start,
      end,
      output: true,
    });
    expect(checkLinearizability([cas('a', 0, 10), cas('b', 1, 11)], register).outcome).toBe(
      'not-linearizable',
    );
    const lost = { ...cas('b', 1, 11), output: false };
    expect(checkLinearizability([cas('a', 0, 10), lost], register).outcome).toBe('linearizable');
  });

  it('lets a write without a response take effect later, or never', () => {
    const pending: RegisterOp = {
      client: 'a',
      input: { type: 'write', value: 7 },
      start: 0,
      end: null,
    };
    expect(checkLinearizability([pending, read('b', 0, 10, 11)], register).outcome).toBe(
      'linearizable',
    );
    expect(
      checkLinearizability([pending, read('b', 0, 10, 11), read('b', 7, 12, 13)], register).outcome,
    ).toBe('linearizable');
    // Once seen, it has happened: a later read of the old value is stale.
    expect(
      checkLinearizability([pending, read('b', 7, 10, 11), read('c', 0, 12, 13)], register).outcome,
    ).toBe('not-linearizable');
  });

  it('does not take a write without a response to have happened before its call', () => {
    const pending: RegisterOp = {
      client: 'a',
      input: { type: 'write', value: 7 },
      start: 20,
      end: null,
    };
    expect(checkLinearizability([read('b', 7, 0, 10), pending], register).outcome).toBe(
      'not-linearizable',
    );
  });
});

describe('checkLinearizability on key-value histories', () => {
  const put = (client: string, key: string, value: string, start: number, end: number): KvOp => ({
    client,
    input: { type: 'put', key, value },
    start,
    end,
    output: null,
  });
  const get = (
    client: string,
    key: string,
    value: string | null,
    start: number,
    end: number,
  ): KvOp => ({
    client,
    input: { type: 'get', key },
    start,
    end,
    output: value,
  });

  it('checks each key on its own and reports the key that fails', () => {
    const history = [
      put('a', 'x', '1', 0, 2),
      put('b', 'y', '1', 1, 3),
      get('c', 'x', '1', 4, 5),
      get('c', 'y', null, 6, 7),
    ];
    const result = checkLinearizability(history, kv);
    expect(result.outcome).toBe('not-linearizable');
    if (result.outcome !== 'not-linearizable') return;
    expect(result.counterexample.partition).toBe('y');
    expect(result.counterexample.operations).toEqual([history[1], history[3]]);
    expect(result.counterexample.message).toContain('(partition "y")');
  });

  it('keys named like Object.prototype members are ordinary keys', () => {
    const history = [
      put('a', '__proto__', '1', 0, 1),
      get('b', '__proto__', '1', 2, 3),
      get('b', 'constructor', null, 4, 5),
    ];
    const result = checkLinearizability(history, kv);
    expect(result.outcome).toBe('linearizable');
    if (result.outcome !== 'linearizable') return;
    expect([...result.linearizations.keys()].sort()).toEqual(['__proto__', 'constructor']);
  });

  it('keeps a deleted key apart from the value "null"', () => {
    const history: KvOp[] = [
      put('a', 'k', 'null', 0, 1),
      { client: 'a', input: { type: 'delete', key: 'k' }, start: 2, end: 3, output: null },
      get('b', 'k', 'null', 4, 5),
    ];
    expect(checkLinearizability(history, kv).outcome).toBe('not-linearizable');
  });

  it('accepts large random histories of a correct store, and its witness is legal', () => {
    const random = createRandom(7);
    const history = atomicStoreHistory(random, { operations: 2000, clients: 8, keys: 6 });
    const result = checkLinearizability(history, kv);
    expect(result.outcome).toBe('linearizable');
    if (result.outcome !== 'linearizable') return;
    for (const [, order] of result.linearizations) expectLegalOrder(order, kv);
    expect([...result.linearizations.values()].reduce((n, order) => n + order.length, 0)).toBe(
      2000,
    );
  });

  it('catches one injected stale read in a large history of a correct store', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = createRandom(seed);
      const history = atomicStoreHistory(random, { operations: 1500, clients: 8, keys: 4 });
      const { history: tampered, stale } = injectStaleRead(history, random);
      const result = checkLinearizability(tampered, kv);
      expect(result.outcome, `seed ${seed}`).toBe('not-linearizable');
      if (result.outcome !== 'not-linearizable') return;
      expect(result.counterexample.partition).toBe(stale.input.key);
      expect(result.counterexample.operations).toContain(stale);
      // The untampered history passes, so the injected read is what the checker caught.
      expect(checkLinearizability(history, kv).outcome).toBe('linearizable');
    }
  });
});

describe('checkLinearizability on append-log histories', () => {
  const log = createAppendLogModel();
  const append = (
    client: string,
    value: string,
    position: number,
    start: number,
    end: number,
  ): LogOp => ({
    client,
    input: { type: 'append', value },
    start,
    end,
    output: position,
  });
  const readLog = (client: string, values: string[], start: number, end: number): LogOp => ({
    client,
    input: { type: 'read' },
    start,
    end,
    output: values,
  });

  it('accepts concurrent appends in either order, matching their positions', () => {
    const history = [
      append('a', 'x', 2, 0, 10),
      append('b', 'y', 1, 1, 9),
      readLog('c', ['y', 'x'], 11, 12),
    ];
    expect(checkLinearizability(history, log).outcome).toBe('linearizable');
  });

  it('refuses a read that misses an acknowledged append', () => {
    const history = [append('a', 'x', 1, 0, 1), readLog('b', [], 2, 3)];
    expect(checkLinearizability(history, log).outcome).toBe('not-linearizable');
  });

  it('refuses two appends that took the same position', () => {
    const history = [append('a', 'x', 1, 0, 10), append('b', 'y', 1, 1, 9)];
    expect(checkLinearizability(history, log).outcome).toBe('not-linearizable');
  });

  it('refuses reads that disagree on the order of the log', () => {
    const history = [
      append('a', 'x', 1, 0, 20),
      append('b', 'y', 2, 0, 20),
      readLog('c', ['x', 'y'], 21, 22),
      readLog('d', ['y', 'x'], 23, 24),
    ];
    const result = checkLinearizability(history, log);
    expect(result.outcome).toBe('not-linearizable');
    if (result.outcome !== 'not-linearizable') return;
    expect(result.counterexample.stateAfterPrefix).toBe('["x","y"]');
  });
});

describe('checkLinearizability agrees with an exhaustive search', () => {
  it('on random small register histories', () => {
    const opArb = fc.record({
      client: fc.constantFrom('a', 'b', 'c'),
      kind: fc.constantFrom('read', 'write', 'cas', 'pending-write'),
      value: fc.integer({ min: 0, max: 2 }),
      expected: fc.integer({ min: 0, max: 2 }),
      flag: fc.boolean(),
      start: fc.integer({ min: 0, max: 20 }),
      length: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 7 }), (drafts) => {
        const history: RegisterOp[] = drafts.map((d) => {
          const end = d.start + d.length;
          if (d.kind === 'read') return read(d.client, d.value, d.start, end);
          if (d.kind === 'write') return write(d.client, d.value, d.start, end);
          if (d.kind === 'pending-write') {
            return {
              client: d.client,
              input: { type: 'write', value: d.value },
              start: d.start,
              end: null,
            };
          }
          return {
            client: d.client,
            input: { type: 'cas', expected: d.expected, value: d.value },
            start: d.start,
            end,
            output: d.flag,
          };
        });
        const verdict = checkLinearizability(history, register).outcome;
        expect(verdict).toBe(
          exhaustivelyLinearizable(history, register) ? 'linearizable' : 'not-linearizable',
        );
      }),
      { seed: 14, numRuns: 600 },
    );
  });
});

describe('checkLinearizability budgets', () => {
  // Every write is concurrent with every other; the read after them sees a value none wrote. An
  // exhaustive search tries 12! orders; remembering (set, state) makes it 2^12 sets.
  const hard: RegisterOp[] = [
    ...Array.from({ length: 12 }, (_, i) => write(`w${i}`, 1, 0, 100)),
    read('r', 2, 101, 102),
  ];

  it('memoization turns a factorial search into an exponential one in the set size', () => {
    const result = checkLinearizability(hard, register, { maxSteps: 200_000 });
    expect(result.outcome).toBe('not-linearizable');
    expect(result.steps).toBeLessThan(200_000);
  });

  it('answers unknown, naming the undecided partitions, when the step budget runs out', () => {
    const result = checkLinearizability(hard, register, { maxSteps: 50 });
    expect(result).toEqual({
      outcome: 'unknown',
      reason: 'step-budget',
      undecided: [''],
      steps: 51,
    });
  });

  it('answers unknown when the time budget runs out, on the injected clock', () => {
    let time = 0;
    const now = () => {
      time += 1;
      return time;
    };
    const result = checkLinearizability(hard, register, { timeoutMs: 3, now });
    expect(result.outcome).toBe('unknown');
    if (result.outcome !== 'unknown') return;
    expect(result.reason).toBe('time-budget');
    expect(result.steps).toBe(256 * 3);
  });

  it('still reports a violation in one partition when another ran out of budget', () => {
    const kvHard: KvOp[] = [
      ...Array.from(
        { length: 12 },
        (_, i): KvOp => ({
          client: `w${i}`,
          input: { type: 'put', key: 'a', value: '1' },
          start: 0,
          end: 100,
          output: null,
        }),
      ),
      { client: 'r', input: { type: 'get', key: 'a' }, start: 101, end: 102, output: '2' },
      { client: 'x', input: { type: 'put', key: 'b', value: '1' }, start: 0, end: 1, output: null },
      { client: 'y', input: { type: 'get', key: 'b' }, start: 2, end: 3, output: null },
    ];
    const result = checkLinearizability(kvHard, kv, { maxSteps: 100 });
    expect(result.outcome).toBe('not-linearizable');
    if (result.outcome !== 'not-linearizable') return;
    expect(result.counterexample.partition).toBe('b');
  });
});

describe('checkLinearizability input validation', () => {
  it('refuses an operation that ends before it starts, naming it', () => {
    expect(() => checkLinearizability([write('a', 1, 5, 4)], register)).toThrow(
      expect.objectContaining({
        code: 'RAFT_INVALID_ARGUMENT',
        message:
          'checkLinearizability: history[0].end must be null or a number >= start (5), got 4',
      }),
    );
  });

  it('refuses a completed operation without an output and a bad budget', () => {
    const missing = {
      client: 'a',
      input: { type: 'read' },
      start: 0,
      end: 1,
    } as unknown as RegisterOp;
    expect(() => checkLinearizability([missing], register)).toThrow(/history\[0\]\.output/);
    expect(() => checkLinearizability([], register, { maxSteps: 0 })).toThrow(/options\.maxSteps/);
    expect(() => checkLinearizability([], register, { timeoutMs: -1 })).toThrow(
      /options\.timeoutMs/,
    );
    expect(() => checkLinearizability('x' as never, register)).toThrow(/history must be/);
  });

  it('accepts an empty history', () => {
    expect(checkLinearizability([], register).outcome).toBe('linearizable');
  });
});

/**
 * A history of a store that is atomic by construction: each operation takes effect at a random
 * instant inside its interval, in the order of those instants. Every put writes a unique value.
 */
function atomicStoreHistory(
  random: Random,
  options: { operations: number; clients: number; keys: number },
): KvOp[] {
  const drafts: { client: string; input: KeyValueInput; start: number; end: number; at: number }[] =
    [];
  const clock = new Array<number>(options.clients).fill(0);
  for (let i = 0; i < options.operations; i += 1) {
    const c = random.int(0, options.clients - 1);
    const start = (clock[c] as number) + random.int(0, 5);
    const end = start + random.int(0, 30);
    clock[c] = end + 1;
    const key = `k${random.int(0, options.keys - 1)}`;
    const input: KeyValueInput = random.chance(0.5)
      ? { type: 'get', key }
      : { type: 'put', key, value: `v${i}` };
    drafts.push({ client: `c${c}`, input, start, end, at: random.float(start, end) });
  }
  const store = new Map<string, string>();
  const outputs = new Map<number, KeyValueOutput>();
  const byInstant = drafts
    .map((_, i) => i)
    .sort((a, b) => (drafts[a]?.at ?? 0) - (drafts[b]?.at ?? 0));
  for (const i of byInstant) {
    const { input } = drafts[i] as (typeof drafts)[number];
    if (input.type === 'put') {
      store.set(input.key, input.value);
      outputs.set(i, null);
    } else {
      outputs.set(i, store.get(input.key) ?? null);
    }
  }
  return drafts.map((d, i) => ({
    client: d.client,
    input: d.input,
    start: d.start,
    end: d.end,
    output: outputs.get(i) ?? null,
  }));
}

/**
 * Replaces one read's output with a value that was definitely overwritten before the read began:
 * written by a put that ended before another put of that key, which ended before the read started.
 */
function injectStaleRead(history: KvOp[], random: Random): { history: KvOp[]; stale: KvOp } {
  const candidates: { index: number; value: string }[] = [];
  history.forEach((op, index) => {
    if (op.input.type !== 'get' || op.end === null) return;
    const key = op.input.key;
    const before = history.filter(
      (other) =>
        other.input.type === 'put' &&
        other.input.key === key &&
        other.end !== null &&
        other.end < op.start,
    );
    for (const older of before) {
      const overwritten = before.some((newer) => newer !== older && (older.end ?? 0) < newer.start);
      if (overwritten && older.input.type === 'put' && op.output !== older.input.value) {
        candidates.push({ index, value: older.input.value });
        break;
      }
    }
  });
  const pick = random.pick(candidates);
  const stale = { ...(history[pick.index] as KvOp), output: pick.value } as KvOp;
  const tampered = history.slice();
  tampered[pick.index] = stale;
  return { history: tampered, stale };
}

function expectLegalOrder<S, I, O>(order: readonly Operation<I, O>[], model: Model<S, I, O>): void {
  let state = model.init();
  let latestStart = Number.NEGATIVE_INFINITY;
  const problems: string[] = [];
  order.forEach((op, i) => {
    const result = model.step(state, op.input);
    if (op.end !== null && !model.outputEquals(result.output, op.output)) {
      problems.push(`${i}: output`);
    }
    // Real-time order: nothing placed later may have ended before an earlier one started.
    if (op.end !== null && op.end < latestStart)
      problems.push(`${i}: ended before an earlier start`);
    latestStart = Math.max(latestStart, op.start);
    state = result.state;
  });
  expect(problems).toEqual([]);
}

// Tries every order: the definition of linearizability, for histories small enough to enumerate.
function exhaustivelyLinearizable<S, I, O>(
  history: readonly Operation<I, O>[],
  model: Model<S, I, O>,
): boolean {
  const n = history.length;
  const used = new Array<boolean>(n).fill(false);
  const visit = (state: S, placed: number): boolean => {
    if (placed === n) return true;
    for (let i = 0; i < n; i += 1) {
      if (used[i]) continue;
      const op = history[i] as Operation<I, O>;
      // op may go next only if no unplaced operation ended strictly before op started.
      const blocked = history.some(
        (other, j) => !used[j] && j !== i && other.end !== null && other.end < op.start,
      );
      if (blocked) continue;
      const result = model.step(state, op.input);
      if (op.end !== null && !model.outputEquals(result.output, op.output)) continue;
      used[i] = true;
      if (visit(result.state, placed + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return visit(model.init(), 0);
}
