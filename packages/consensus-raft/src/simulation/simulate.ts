import { createRandom } from '@varplane/core';
import type { ConfChangeSingle, Entry, NodeId } from '../messages';
import type { AppendLogInput, AppendLogOutput } from '../testing/append-log-model';
import { createAppendLogModel } from '../testing/append-log-model';
import { checkLinearizability } from '../testing/linearizability';
import type { Operation } from '../testing/model';
import { SafetyChecker } from './safety-checker';
import { SimCluster, text, untext } from './sim-cluster';

/** Options of {@link simulate}. */
export interface SimulationOptions {
  readonly seed: number;
  /** 3 or 5 voters (any size works). */
  readonly nodes: number;
  /** Time units of chaos; a node ticks about every 10 units. */
  readonly steps?: number;
  /** After healing, the most ticks of the slowest node allowed until a leader commits. */
  readonly recoveryTicks?: number;
  /** Search budget of the linearizability check; past it the history counts as unchecked. */
  readonly maxSteps?: number;
}

/** What a run did, for tests to assert on. */
export interface SimulationReport {
  readonly seed: number;
  readonly committed: number;
  readonly leadersElected: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly snapshotsSent: number;
  readonly membershipChanges: number;
  /** Client operations recorded: appends and ReadIndex reads. */
  readonly operations: number;
  /** True when the checker proved the history linearizable (false: budget ran out first). */
  readonly linearizable: boolean;
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

function run({
  seed,
  nodes,
  steps = 3000,
  recoveryTicks = 500,
  maxSteps = 100_000,
}: SimulationOptions) {
  const random = createRandom(seed);
  const ids: NodeId[] = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const checker = new SafetyChecker();
  // Each run picks its own fault rates, so the seeds cover calm and stormy networks alike.
  const dropRate = random.float(0, 0.2);
  const duplicateRate = random.float(0, 0.1);
  const maxDelay = random.int(1, 12);
  let snapshotsSent = 0;
  let membershipChanges = 0;
  // Client operations, for the linearizability check: an append is acknowledged when the node
  // it was proposed at applies it; a read when that node has applied up to its read index.
  const history: Operation<AppendLogInput, AppendLogOutput>[] = [];
  const pendingWrites = new Map<string, { node: NodeId; incarnation: number; start: number }>();
  const pendingReads = new Map<string, { node: NodeId; incarnation: number; start: number }>();
  const readsAt: { context: string; index: number }[] = [];
  let recording = true;
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
    onApply: (node, entry: Entry) => {
      checker.applied(node.id, entry);
      if (entry.type !== 'normal' || entry.data.byteLength === 0) return;
      const value = untext(entry.data);
      const pending = pendingWrites.get(value);
      if (pending === undefined || pending.node !== node.id) return;
      if (pending.incarnation !== node.incarnation) return;
      pendingWrites.delete(value);
      history.push({
        client: value,
        input: { type: 'append', value },
        start: pending.start,
        end: cluster.now,
        output: node.applied.length,
      });
    },
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
      if (node.alive) {
        const value = `v${proposals++}`;
        const result = node.core.propose(text(value), `c${proposals}`);
        if (result.type !== 'dropped') {
          pendingWrites.set(value, { node: id, incarnation: node.incarnation, start: now });
        }
      }
    }
    if (recording && random.chance(0.02)) {
      const id = random.pick(ids);
      const node = cluster.node(id);
      const context = `r${now}`;
      if (node.alive && node.core.readIndex(context).type === 'pending') {
        pendingReads.set(context, { node: id, incarnation: node.incarnation, start: now });
      }
    }
    for (const node of cluster.nodes.values()) {
      for (const read of node.readStates) readsAt.push(read);
      node.readStates.length = 0;
    }
    for (let i = readsAt.length - 1; i >= 0; i--) {
      const read = readsAt[i] as { context: string; index: number };
      const pending = pendingReads.get(read.context);
      const node = pending === undefined ? undefined : cluster.node(pending.node);
      if (pending === undefined || node === undefined || node.incarnation !== pending.incarnation) {
        readsAt.splice(i, 1);
        continue;
      }
      if (node.appliedIndex < read.index) continue;
      readsAt.splice(i, 1);
      pendingReads.delete(read.context);
      if (recording) {
        history.push({
          client: read.context,
          input: { type: 'read' },
          start: pending.start,
          end: now,
          output: [...node.applied],
        });
      }
    }
    if (chaos && nodes >= 5 && random.chance(0.002)) {
      const leader = cluster.leaders()[0];
      if (leader !== undefined) {
        const conf = cluster.node(leader).core.status().conf;
        const outside = ids.filter((id) => !conf.voters.includes(id));
        const changes: ConfChangeSingle[] = [];
        if (conf.voters.length > 3 && (outside.length === 0 || random.chance(0.5))) {
          changes.push({
            type: random.chance(0.5) ? 'remove-node' : 'add-learner',
            node: random.pick(conf.voters),
          });
        }
        if (outside.length > 0 && (changes.length === 0 || random.chance(0.5))) {
          changes.push({ type: 'add-voter', node: random.pick(outside) });
        }
        const result = cluster.node(leader).core.proposeConfChange({ changes });
        if (result.type === 'appended') membershipChanges += 1;
      }
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
  recording = false;
  // An append never acknowledged either took effect or did not. One no node applied by the end
  // is observed by nothing (reads and positions only count applied entries): leaving it out is
  // exact, and keeps the search from trying it at every point.

  cluster.heal();
  for (const id of ids) if (!cluster.node(id).alive) cluster.restart(id);
  const start = new Map(ticks);
  const marker = `recovery-${seed}`;
  let proposedTerm = -1;
  const slowest = () =>
    Math.min(...ids.map((id) => (ticks.get(id) as number) - (start.get(id) as number)));
  while (true) {
    stepOnce(false);
    if (process.env.RAFT_SIM_DEBUG && cluster.now % 100 === 0) {
      console.log(
        cluster.now,
        [...cluster.nodes.values()]
          .map((n) => {
            const st = n.core.status();
            return `${n.id}:${st.role[0]}${st.term}/${st.vote}/${st.lastIndex}:${n.core.status().lastIndex}`;
          })
          .join(' '),
      );
    }
    const leaders = cluster.leaders();
    const leader = leaders[0];
    const term = leader === undefined ? -1 : cluster.node(leader).core.status().term;
    // Propose again under each new leader, in case an earlier attempt was overwritten.
    if (leader !== undefined && term !== proposedTerm) {
      const value = `${marker}-${term}`;
      const result = cluster.node(leader).core.propose(text(value));
      if (result.type === 'appended') {
        proposedTerm = term;
        const node = cluster.node(leader);
        pendingWrites.set(value, {
          node: leader,
          incarnation: node.incarnation,
          start: cluster.now,
        });
      }
    }
    // Every member of the final configuration (removed nodes are left out) applies the marker.
    const conf = leader === undefined ? null : cluster.node(leader).core.status().conf;
    const members = conf === null ? [] : [...conf.voters, ...conf.learners];
    const done =
      members.length > 0 &&
      members.every((id) => cluster.node(id).applied.some((v) => v.startsWith(marker)));
    if (done) break;
    if (slowest() > recoveryTicks) {
      const states = [...cluster.nodes.values()].map((n) => {
        const st = n.core.status();
        return `${n.id}: ${st.role} term ${st.term} leader ${st.leader} commit ${st.commit} applied ${n.appliedIndex} last ${st.lastIndex} voters ${st.conf.voters.join(',')}${st.conf.votersOutgoing.length > 0 ? ` outgoing ${st.conf.votersOutgoing.join(',')}` : ''} learners ${st.conf.learners.join(',')}`;
      });
      throw new Error(
        `no leader committed within ${recoveryTicks} ticks after healing\n  ${states.join('\n  ')}`,
      );
    }
  }
  const applied = new Set<string>();
  for (const node of cluster.nodes.values()) for (const value of node.applied) applied.add(value);
  const checked = [...history];
  for (const [value, pending] of pendingWrites) {
    if (!applied.has(value)) continue;
    checked.push({
      client: value,
      input: { type: 'append', value },
      start: pending.start,
      end: null,
    });
  }
  const verdict = checkLinearizability(checked, createAppendLogModel(), { maxSteps });
  if (verdict.outcome === 'not-linearizable') {
    throw new Error(`history not linearizable: ${verdict.counterexample.message}`);
  }
  const linearizable = verdict.outcome === 'linearizable';
  return {
    seed,
    committed: checker.maxCommitted(),
    leadersElected: checker.leadersSeen(),
    crashes,
    partitions,
    snapshotsSent,
    membershipChanges,
    operations: history.length,
    linearizable,
    recoveryTicks: slowest(),
  };
}
