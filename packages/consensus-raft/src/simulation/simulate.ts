import { createRandom } from '@varplane/core';
import type { Entry, NodeId } from '../messages';
import { SafetyChecker } from './safety-checker';
import { SimCluster, text } from './sim-cluster';

/** Options of {@link simulate}. */
export interface SimulationOptions {
  readonly seed: number;
  /** 3 or 5 voters (any size works). */
  readonly nodes: number;
  /** Time units of chaos; a node ticks about every 10 units. */
  readonly steps?: number;
  /** After healing, the most ticks of the slowest node allowed until a leader commits. */
  readonly recoveryTicks?: number;
}

/** What a run did, for tests to assert on. */
export interface SimulationReport {
  readonly seed: number;
  readonly committed: number;
  readonly leadersElected: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly snapshotsSent: number;
  /** Ticks of the slowest node from healing until a leader committed a fresh entry. */
  readonly recoveryTicks: number;
}

const TICK = 10;

/**
 * One seeded run: 3 or 5 nodes under drops, duplicates, reordering delays, partitions (some
 * one-way), crash-restarts that lose unsynced writes, and clock skew. The safety checker runs
 * after every step and throws with the seed on the first violation; after the chaos the network
 * heals and a leader must commit within `recoveryTicks`.
 */
export function simulate(options: SimulationOptions): SimulationReport {
  const { seed } = options;
  try {
    return run(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`raft simulation failed, replay with seed ${seed}: ${message}`, {
      cause: error,
    });
  }
}

function run({ seed, nodes, steps = 3000, recoveryTicks = 200 }: SimulationOptions) {
  const random = createRandom(seed);
  const ids: NodeId[] = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const checker = new SafetyChecker();
  // Each run picks its own fault rates, so the seeds cover calm and stormy networks alike.
  const dropRate = random.float(0, 0.2);
  const duplicateRate = random.float(0, 0.1);
  const maxDelay = random.int(1, 12);
  let snapshotsSent = 0;
  const cluster = new SimCluster({
    voters: ids,
    seed: random.int(1, 2 ** 30),
    core: {
      electionTicks: 10,
      heartbeatTicks: 1,
      preVote: random.chance(0.7),
      checkQuorum: random.chance(0.7),
      maxInflightMsgs: random.int(1, 8),
      maxSizePerMsg: random.int(30, 400),
      snapshotChunkBytes: random.int(16, 200),
    },
    onApply: (node, entry: Entry) => checker.applied(node.id, entry),
    transmit: (message, c) => {
      if (message.type === 'snapshot') snapshotsSent += 1;
      if (random.chance(dropRate)) return;
      c.enqueue(message, c.now + random.int(0, maxDelay));
      if (random.chance(duplicateRate)) c.enqueue(message, c.now + random.int(0, maxDelay));
    },
  });
  // Clock skew: each node's tick period differs by up to 20%.
  const period = new Map(ids.map((id) => [id, Math.round(TICK * random.float(0.8, 1.2))]));
  const nextTick = new Map(ids.map((id) => [id, random.int(0, TICK)]));
  const ticks = new Map(ids.map((id) => [id, 0]));
  let crashes = 0;
  let partitions = 0;
  let proposals = 0;

  const stepOnce = (chaos: boolean) => {
    cluster.now += 1;
    const now = cluster.now;
    for (const id of ids) {
      if (now >= (nextTick.get(id) as number)) {
        nextTick.set(id, now + (period.get(id) as number));
        ticks.set(id, (ticks.get(id) as number) + 1);
        if (cluster.node(id).alive) cluster.node(id).core.tick();
      }
    }
    const due = cluster.inFlight.filter((f) => f.deliverAt <= now);
    cluster.inFlight = cluster.inFlight.filter((f) => f.deliverAt > now);
    for (const flight of random.shuffle(due)) cluster.deliver(flight.message);
    for (const id of ids) {
      const node = cluster.node(id);
      if (!node.alive) continue;
      if (node.writing !== null && node.writing.doneAt <= now) cluster.completeWrite(id);
      if (node.writing === null) cluster.beginWrite(id, random.int(0, 3));
    }
    if (random.chance(0.05)) {
      const id = random.pick(ids);
      const node = cluster.node(id);
      if (node.alive) node.core.propose(text(`v${proposals++}`), `c${proposals}`);
    }
    if (random.chance(0.003)) {
      const node = cluster.node(random.pick(ids));
      if (node.alive && node.appliedIndex - node.core.status().firstIndex > 15)
        cluster.compact(node.id);
    }
    if (chaos) {
      if (random.chance(0.004)) {
        // Half the crashes hit a leader, where they hurt most.
        const leaders = cluster.leaders();
        const id =
          leaders.length > 0 && random.chance(0.5) ? random.pick(leaders) : random.pick(ids);
        if (cluster.node(id).alive) {
          cluster.crash(id);
          crashes += 1;
        }
      }
      if (random.chance(0.006)) {
        const down = ids.filter((id) => !cluster.node(id).alive);
        if (down.length > 0) cluster.restart(random.pick(down));
      }
      if (random.chance(0.003)) {
        partitions += 1;
        const shuffled = random.shuffle(ids);
        const cutAt = random.int(1, ids.length - 1);
        if (random.chance(0.5)) {
          cluster.partition(shuffled.slice(0, cutAt), shuffled.slice(cutAt));
        } else {
          // One-way: the first group can send to the second, but hears nothing back.
          for (const x of shuffled.slice(cutAt)) {
            for (const y of shuffled.slice(0, cutAt)) cluster.cut.add(`${x}->${y}`);
          }
        }
      }
      if (random.chance(0.003)) cluster.heal();
    }
    checker.check(cluster);
  };

  for (let step = 0; step < steps; step++) stepOnce(true);

  cluster.heal();
  for (const id of ids) if (!cluster.node(id).alive) cluster.restart(id);
  const start = new Map(ticks);
  const marker = `recovery-${seed}`;
  let proposedTerm = -1;
  const slowest = () =>
    Math.min(...ids.map((id) => (ticks.get(id) as number) - (start.get(id) as number)));
  while (true) {
    stepOnce(false);
    const leaders = cluster.leaders();
    const leader = leaders[0];
    const term = leader === undefined ? -1 : cluster.node(leader).core.status().term;
    // Propose again under each new leader, in case an earlier attempt was overwritten.
    if (leader !== undefined && term !== proposedTerm) {
      const result = cluster.node(leader).core.propose(text(marker));
      if (result.type === 'appended') proposedTerm = term;
    }
    const done = ids.every((id) => cluster.node(id).applied.includes(marker));
    if (done) break;
    if (slowest() > recoveryTicks) {
      throw new Error(`no leader committed within ${recoveryTicks} ticks after healing`);
    }
  }
  return {
    seed,
    committed: checker.maxCommitted(),
    leadersElected: checker.leadersSeen(),
    crashes,
    partitions,
    snapshotsSent,
    recoveryTicks: slowest(),
  };
}
