import {
  createMemoryStorage,
  createSimulatedNetwork,
  type RaftNode,
  startRaftNode,
} from '@varplane/consensus-raft';
import { createRandom, systemClock } from '@varplane/core';

const network = createSimulatedNetwork({ clock: systemClock, random: createRandom(1) });
const ids = ['a', 'b', 'c'];
const nodes = await Promise.all(
  ids.map((id, i) =>
    startRaftNode({
      id,
      peers: ids,
      storage: createMemoryStorage(),
      transport: network.transport(id),
      clock: systemClock,
      random: createRandom(i),
    }),
  ),
);
const [, b, c] = nodes as [RaftNode, RaftNode, RaftNode];
const { index } = await b.propose(new TextEncoder().encode('hello')); // forwarded to the leader
await c.read(); // linearizable: resolves once c has applied everything committed before it
console.log(index > 0); // true
await Promise.all(nodes.map((node) => node.stop()));
