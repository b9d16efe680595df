import { createManualClock, createRandom } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createMemoryStorage, type MemoryStorage } from './memory-storage';
import { type RaftEvent, type RaftNode, startRaftNode } from './raft-node';
import { createSimulatedNetwork } from './simulated-network';
import { startCluster as cluster, encode, idle, listMachine } from './simulation/node-cluster';

describe('startRaftNode', () => {
  it('elects a leader; a proposal resolves once applied, with the state machine result', async () => {
    const h = await cluster();
    h.nodes.get('a')?.campaign();
    await h.run(50);
    expect(h.leader().id).toBe('a');
    const applied = await h.nodes.get('a')?.propose(encode('x'));
    expect(applied).toMatchObject({ index: 2, term: 1, result: 1 });
    await h.run(50);
    for (const id of ['a', 'b', 'c']) expect(h.machines.get(id)?.values()).toEqual(['x']);
  });

  it('a follower forwards a proposal and resolves when it applies it', async () => {
    const h = await cluster();
    h.nodes.get('a')?.campaign();
    await h.run(50);
    const pending = h.nodes.get('b')?.propose(encode('via-b'));
    await h.run(50);
    await expect(pending).resolves.toMatchObject({ index: 2, result: 1 });
  });

  it('batches proposals that arrive while a write is in flight into one group commit', async () => {
    let hold: (() => void) | null = null;
    let holding = false;
    const h = await cluster(['solo'], {}, () =>
      createMemoryStorage({
        beforeSync: () =>
          holding
            ? new Promise<void>((resolve) => {
                hold = resolve;
              })
            : undefined,
      }),
    );
    const node = h.nodes.get('solo') as RaftNode;
    node.campaign();
    await h.run(20);
    const storage = h.storages.get('solo') as MemoryStorage;
    holding = true;
    const first = node.propose(encode('p0'));
    await idle();
    const writesBefore = storage.writeCount();
    const rest = Array.from({ length: 20 }, (_, i) => node.propose(encode(`p${i + 1}`)));
    holding = false;
    (hold as unknown as () => void)();
    const results = await Promise.all([first, ...rest]);
    expect(results.map((r) => r.result)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    // The 20 proposals made during the held write went into a single write after it.
    expect(storage.writeCount() - writesBefore).toBeLessThanOrEqual(3);
  });

  it('rejects with RAFT_NOT_LEADER and a leader hint when forwarding is off', async () => {
    const h = await cluster(['a', 'b', 'c'], { raft: { proposalForwarding: false } });
    h.nodes.get('a')?.campaign();
    await h.run(50);
    await expect(h.nodes.get('b')?.propose(encode('x'))).rejects.toMatchObject({
      code: 'RAFT_NOT_LEADER',
      leader: 'a',
    });
  });

  it('rejects with RAFT_NO_QUORUM on a minority side, within the timeout', async () => {
    const h = await cluster();
    h.nodes.get('a')?.campaign();
    await h.run(50);
    h.network.partition(['c'], ['a', 'b']);
    await h.run(300);
    const started = h.clock.now();
    const pending = h.nodes.get('c')?.propose(encode('lost'), { timeoutMs: 400 });
    const settled = pending?.catch((error: unknown) => error);
    await h.run(450);
    expect(await settled).toMatchObject({ code: 'RAFT_NO_QUORUM' });
    expect(h.clock.now() - started).toBeLessThanOrEqual(450);
  });

  it('rejects with RAFT_TIMEOUT when a leader stays but cannot commit', async () => {
    const h = await cluster(['a', 'b', 'c'], { raft: { checkQuorum: false } });
    h.nodes.get('a')?.campaign();
    await h.run(50);
    h.network.partition(['a'], ['b', 'c']);
    const settled = h.nodes
      .get('a')
      ?.propose(encode('stuck'), { timeoutMs: 100 })
      .catch((error: unknown) => error);
    await h.run(150);
    expect(await settled).toMatchObject({ code: 'RAFT_TIMEOUT' });
  });

  it('rejects with RAFT_PROPOSAL_DROPPED while leadership is being transferred', async () => {
    const h = await cluster();
    h.nodes.get('a')?.campaign();
    await h.run(50);
    h.network.partition(['c'], ['a', 'b']);
    await h.nodes.get('a')?.propose(encode('behind'));
    h.nodes.get('a')?.transferLeader('c');
    await expect(h.nodes.get('a')?.propose(encode('x'))).rejects.toMatchObject({
      code: 'RAFT_PROPOSAL_DROPPED',
    });
  });

  it('read() returns a point at or after every write acknowledged before it', async () => {
    const h = await cluster();
    h.nodes.get('a')?.campaign();
    await h.run(50);
    const written = await h.nodes.get('a')?.propose(encode('w'));
    const reading = h.nodes.get('b')?.read();
    await h.run(30);
    const point = await reading;
    expect(point?.index).toBeGreaterThanOrEqual(written?.index ?? Infinity);
    expect(h.machines.get('b')?.values()).toEqual(['w']);
  });

  it('reports leader changes on events$', async () => {
    const h = await cluster();
    const events: RaftEvent[] = [];
    h.nodes.get('b')?.events$.subscribe((event) => events.push(event));
    h.nodes.get('a')?.campaign();
    await h.run(50);
    expect(events).toContainEqual({ type: 'leader-changed', leader: 'a', term: 1 });
  });

  it('snapshots, compacts and restarts with the applied state intact', async () => {
    const storage = createMemoryStorage();
    const h = await cluster(['solo'], { snapshotEvery: 5 }, () => storage);
    const node = h.nodes.get('solo') as RaftNode;
    node.campaign();
    await h.run(20);
    for (let i = 0; i < 12; i++) await node.propose(encode(`v${i}`));
    expect(storage.durable().snapshot?.metadata.index).toBeGreaterThanOrEqual(5);
    await node.stop();
    const machine = listMachine();
    const restarted = await startRaftNode({
      id: 'solo',
      peers: ['solo'],
      storage: createMemoryStorage({ initial: storage.durable() }),
      transport: h.network.transport('solo'),
      clock: h.clock,
      random: createRandom(9),
      tickMs: 10,
      stateMachine: machine,
    });
    await h.run(300);
    expect(machine.values()).toEqual(Array.from({ length: 12 }, (_, i) => `v${i}`));
    await restarted.stop();
  });

  it('stop rejects every pending call with RAFT_STOPPED', async () => {
    const h = await cluster();
    const pending = h.nodes.get('b')?.propose(encode('never'));
    await h.nodes.get('b')?.stop();
    await expect(pending).rejects.toMatchObject({ code: 'RAFT_STOPPED' });
  });

  it('refuses bad options and bad input with typed errors', async () => {
    const clock = createManualClock();
    const network = createSimulatedNetwork({ clock, random: createRandom(1) });
    await expect(
      startRaftNode({
        id: 'a',
        peers: ['a'],
        storage: createMemoryStorage(),
        transport: network.transport('b'),
        clock,
        random: createRandom(1),
      }),
    ).rejects.toMatchObject({
      code: 'RAFT_INVALID_OPTIONS',
      message: expect.stringContaining('transport.id'),
    });
    const h = await cluster(['solo']);
    await expect(
      h.nodes.get('solo')?.propose('text' as unknown as Uint8Array),
    ).rejects.toMatchObject({
      code: 'RAFT_INVALID_ARGUMENT',
    });
    await expect(h.nodes.get('solo')?.read({ timeoutMs: -1 })).rejects.toMatchObject({
      code: 'RAFT_INVALID_ARGUMENT',
    });
  });
});
