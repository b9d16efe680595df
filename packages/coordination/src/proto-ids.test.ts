import { describe, expect, it } from 'vitest';
import { establishConsensus } from './establish-consensus';

// Proposal keys are ids a user chose: `__proto__` and `constructor` are voted on like any other.
const proposal = () => JSON.parse('{"__proto__": "star", "constructor": 5}');

describe('ids such as __proto__', () => {
  it('are proposal keys a vote can reject change by change', async () => {
    const split = JSON.parse('{"__proto__": false}');
    const outcome = await establishConsensus(['a', 'b', 'c'], proposal(), {
      votes: [
        { agent: 'a', approve: true, changes: split },
        { agent: 'b', approve: true, changes: split },
        { agent: 'c', approve: true },
      ],
    });
    expect(Object.entries(outcome.accepted)).toEqual([['constructor', 5]]);
    expect(outcome.rejected).toEqual(['__proto__']);
  });

  it('are accepted as own keys of the outcome', async () => {
    const outcome = await establishConsensus(['a', 'b'], proposal(), {
      votes: [
        { agent: 'a', approve: true },
        { agent: 'b', approve: true },
      ],
    });
    expect(Object.hasOwn(outcome.accepted, '__proto__')).toBe(true);
    expect(Object.entries(outcome.accepted)).toEqual([
      ['__proto__', 'star'],
      ['constructor', 5],
    ]);
    expect(outcome.rejected).toEqual([]);
  });

  it('are not approved by a vote that leaves them out of its changes', async () => {
    const outcome = await establishConsensus(['a', 'b', 'c'], proposal(), {
      votes: [
        { agent: 'a', approve: false, changes: {} },
        { agent: 'b', approve: false, changes: {} },
        { agent: 'c', approve: false, changes: {} },
      ],
    });
    expect(Object.keys(outcome.accepted)).toEqual([]);
    expect(outcome.rejected).toEqual(['__proto__', 'constructor']);
  });
});
