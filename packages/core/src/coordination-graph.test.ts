import { describe, expect, it } from 'vitest';
import { neighboursOf, topologyEdges } from './coordination-graph';

const nodes = ['a', 'b', 'c', 'd'];

describe('topologyEdges', () => {
  it('lays each pattern over the nodes', () => {
    const pairs = (pattern: Parameters<typeof topologyEdges>[0], hub?: string) =>
      topologyEdges(pattern, nodes, hub ? { hub } : {}).map((e) => `${e.from}>${e.to}`);
    expect(pairs('broadcast')).toEqual(['a>b', 'a>c', 'a>d']);
    expect(pairs('ring')).toEqual(['a>b', 'b>c', 'c>d', 'd>a']);
    expect(pairs('star', 'c')).toEqual(['c>a', 'a>c', 'c>b', 'b>c', 'c>d', 'd>c']);
    expect(pairs('mesh')).toHaveLength(12);
    expect(pairs('custom')).toEqual([]);
    expect(topologyEdges('ring', ['solo'])).toEqual([]);
  });

  it('finds neighbours without repeats', () => {
    const graph = {
      nodes,
      edges: [...topologyEdges('mesh', nodes), { from: 'a', to: 'b', type: 'data' as const }],
      topology: 'mesh' as const,
    };
    expect(neighboursOf(graph, 'a')).toEqual(['b', 'c', 'd']);
  });

  it('refuses an unknown pattern or edge type', () => {
    expect(() => topologyEdges('hexagon' as never, nodes)).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('"hexagon"'),
      }),
    );
    expect(() => topologyEdges('ring', nodes, { type: 'gossip' as never })).toThrow(/"gossip"/);
  });
});
