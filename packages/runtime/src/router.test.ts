import { describe, expect, it } from 'vitest';
import { createLiveTopology } from './live-topology';
import { createRouter } from './router';

describe('routers', () => {
  it('goes round robin, or to the least loaded with ties taken in turn', () => {
    const rr = createRouter('round_robin', ['a', 'b', 'c'], () => 0);
    expect([rr.pick(), rr.pick(), rr.pick(), rr.pick()]).toEqual(['a', 'b', 'c', 'a']);
    const loads: Record<string, number> = { a: 3, b: 1, c: 1 };
    const ll = createRouter('least_loaded', ['a', 'b', 'c'], (id) => loads[id] as number);
    expect([ll.pick(), ll.pick(), ll.pick()]).toEqual(['b', 'c', 'b']);
    expect(() => createRouter('round_robin', [], () => 0)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('live topology', () => {
  it('follows the graph, per-agent overrides, and excluded agents', () => {
    const topology = createLiveTopology({
      nodes: ['a', 'b', 'c'],
      topology: 'custom',
      edges: [
        { from: 'a', to: 'b', type: 'data' },
        { from: 'a', to: 'c', type: 'command' },
        { from: 'a', to: 'b', type: 'feedback' },
      ],
    });
    expect(topology.neighbours('a')).toEqual(['b', 'c']);
    expect(topology.neighbours('b')).toEqual([]);
    topology.exclude('b', true);
    expect(topology.neighbours('a')).toEqual(['c']);
    topology.setOverride('b', ['a', 'c']);
    expect(topology.neighbours('b')).toEqual(['a', 'c']);
    topology.exclude('b', false);
    topology.setOverride('b', null);
    expect(topology.neighbours('a')).toEqual(['b', 'c']);
    expect(topology.neighbours('b')).toEqual([]);
  });
});
