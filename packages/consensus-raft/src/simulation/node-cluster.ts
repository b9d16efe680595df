import { createManualClock, createRandom, type ManualClock } from '@varplane/core';
import { createMemoryStorage, type MemoryStorage } from '../memory-storage';
import type { Entry } from '../messages';
import { type RaftNode, type RaftStateMachine, startRaftNode } from '../raft-node';
import { createSimulatedNetwork, type SimulatedNetwork } from '../simulated-network';

export const encode = (s: string) => new TextEncoder().encode(s);
export const decode = (d: Uint8Array) => new TextDecoder().decode(d);
export const idle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A state machine that keeps the applied texts and answers with the count so far. */
export function listMachine() {
  let values: string[] = [];
  return {
    values: () => values,
    apply: (entry: Entry) => {
      values.push(decode(entry.data));
      return values.length;
    },
    snapshot: () => encode(JSON.stringify(values)),
    restore: (data: Uint8Array) => {
      values = JSON.parse(decode(data)) as string[];
    },
  };
}

export interface Harness {
  clock: ManualClock;
  network: SimulatedNetwork;
  nodes: Map<string, RaftNode>;
  storages: Map<string, MemoryStorage>;
  machines: Map<string, ReturnType<typeof listMachine>>;
  run(ms: number): Promise<void>;
  leader(): RaftNode;
}

/** Started nodes on one simulated network and a manual clock, with list state machines. */
export async function startCluster(
  ids = ['a', 'b', 'c'],
  extra: Partial<Parameters<typeof startRaftNode>[0]> = {},
  storageFor: (id: string) => MemoryStorage = () => createMemoryStorage(),
  machineFor: (id: string) => RaftStateMachine | undefined = () => undefined,
): Promise<Harness> {
  const clock = createManualClock();
  const network = createSimulatedNetwork({ clock, random: createRandom(3) });
  const nodes = new Map<string, RaftNode>();
  const storages = new Map<string, MemoryStorage>();
  const machines = new Map<string, ReturnType<typeof listMachine>>();
  for (const [i, id] of ids.entries()) {
    const storage = storageFor(id);
    const machine = listMachine();
    storages.set(id, storage);
    machines.set(id, machine);
    nodes.set(
      id,
      await startRaftNode({
        id,
        peers: ids,
        storage,
        transport: network.transport(id),
        clock,
        random: createRandom(i + 1),
        tickMs: 10,
        stateMachine: machineFor(id) ?? machine,
        timeoutMs: 1_000,
        ...extra,
      }),
    );
  }
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 5) {
      clock.advance(5);
      await idle();
    }
  };
  const leader = () => {
    const found = [...nodes.values()].find((n) => n.status().role === 'leader');
    if (found === undefined) throw new Error('no leader');
    return found;
  };
  return { clock, network, nodes, storages, machines, run, leader };
}
