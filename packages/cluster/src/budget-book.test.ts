import { describe, expect, it } from 'vitest';
import { createRaftBudgetBook } from './budget-book';

describe('createRaftBudgetBook options', () => {
  it('refuses unreadable, unknown and out-of-range options with CLUSTER_INVALID_ARGUMENT', () => {
    const unreadable = new Proxy(
      {},
      {
        get() {
          throw new Error('trap');
        },
        ownKeys() {
          throw new Error('trap');
        },
      },
    );
    for (const bad of [
      null,
      unreadable,
      { timeoutMs: 0 },
      { timeoutMs: Number.NaN },
      { others: {} },
      { extra: 1 },
    ]) {
      expect(() => createRaftBudgetBook(bad as never)).toThrow(
        expect.objectContaining({ code: 'CLUSTER_INVALID_ARGUMENT' }),
      );
    }
    expect(() => createRaftBudgetBook({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });

  it('takes no options, a deadline, and another state machine to share the log with', () => {
    const others = { apply: () => 1, snapshot: () => new Uint8Array(), restore: () => {} };
    expect(createRaftBudgetBook().stateMachine).toBeDefined();
    expect(createRaftBudgetBook({ timeoutMs: 1_000, others }).stateMachine).toBeDefined();
  });
});
