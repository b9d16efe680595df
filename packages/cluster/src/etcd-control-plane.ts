import { VarplaneError } from '@varplane/core';
import type { Campaign, Election, Etcd3, Watcher } from 'etcd3';
import { z } from 'zod';
import type {
  ControlChange,
  ControlPlane,
  ControlRequestOptions,
  Placement,
  PlacementSpec,
} from './control-plane';
import {
  type ControlCommand,
  type ControlOutcome,
  ControlState,
  controlCommandSchema,
} from './control-state';
import { ClusterError } from './errors';
import { parseArgument } from './internal/parse';

export interface EtcdControlPlaneOptions {
  /** An `etcd3` client (`new Etcd3({ hosts })`); the caller owns and closes it. */
  readonly client: Etcd3;
  readonly cluster: string;
  /** This node's name: it campaigns for leadership under it. */
  readonly node: string;
  /** Deadline of every etcd call, ms. Default 2,000. */
  readonly timeoutMs?: number;
  /** TTL of the leader's lease, in seconds: how soon a dead leader is replaced. Default 2. */
  readonly leaseTtlSeconds?: number;
  /** Campaign for leadership (default true); a node that only watches passes false. */
  readonly campaign?: boolean;
}

const optionsSchema = z.object({
  client: z.custom<Etcd3>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as Etcd3).put === 'function' &&
      typeof (value as Etcd3).watch === 'function',
    { message: 'expected an etcd3 client' },
  ),
  cluster: z.string().min(1).max(1_024),
  node: z.string().min(1).max(1_024),
  timeoutMs: z.number().int().min(1).max(600_000).default(2_000),
  leaseTtlSeconds: z.number().int().min(1).max(3_600).default(2),
  campaign: z.boolean().default(true),
});
const specSchema = z.object({
  node: z.string().min(1).max(1_024),
  behaviour: z.string().min(1).max(1_024),
  restart: z.enum(['permanent', 'transient', 'temporary']).optional(),
  args: z.unknown().optional(),
});
const id = z.string().min(1).max(1_024);
const epoch = z.number().int().nonnegative();
const requestSchema = z.object({ timeoutMs: z.number().int().min(1).max(600_000) }).partial();

/** Outcomes kept for writers whose put answer comes after the watch applied it. */
const KEPT_OUTCOMES = 1_024;

/**
 * The control plane on etcd 3.4. Every write is a put of one command to the cluster's log key
 * (`vp/<cluster>/control/log`); etcd orders the puts, and the revision of each is its epoch.
 * Every node watches the key from the first revision and applies the commands in revision order
 * to the same deterministic state as the Raft backend, so conditional writes (compare-and-set on
 * an epoch, declare-down if not renewed since) have one outcome everywhere. `sync` is a
 * linearizable read of the key's last revision. The leader is elected with etcd's election API on
 * a lease (`leaseTtlSeconds`), so a dead leader's lease expires and another node takes over.
 * Every call has a deadline (`timeoutMs`).
 *
 * Known limit: the log key's history must not be compacted below the first revision a joining
 * node needs (etcd 3.4 keeps history unless auto-compaction is turned on).
 *
 * @example
 * const client = new Etcd3({ hosts: ['http://127.0.0.1:2379'] });
 * const control = await createEtcdControlPlane({ client, cluster: 'team', node: 'n1' });
 * const placed = await control.place('coder', { node: 'n2', behaviour: 'coder' }, 0);
 * placed.epoch; // the etcd revision that committed it
 */
export async function createEtcdControlPlane(
  options: EtcdControlPlaneOptions,
): Promise<ControlPlane> {
  const parsed = parseArgument(optionsSchema, options, 'createEtcdControlPlane');
  const { client, node, timeoutMs: defaultTimeout } = parsed;
  const prefix = `vp/${parsed.cluster}/control`;
  const logKey = `${prefix}/log`;
  const state = new ControlState();
  const listeners = new Set<(change: ControlChange) => void>();
  const outcomes = new Map<number, ControlOutcome>();
  const waiters = new Map<number, Array<() => void>>();
  let closed = false;
  let leader: string | undefined;

  const deadline = (ms: number) => ({ deadline: new Date(Date.now() + ms) });

  const applied = (revision: number, outcome: ControlOutcome | undefined) => {
    if (outcome !== undefined) {
      outcomes.set(revision, outcome);
      if (outcomes.size > KEPT_OUTCOMES) {
        const oldest = outcomes.keys().next().value;
        if (oldest !== undefined) outcomes.delete(oldest);
      }
    }
    for (const [at, list] of waiters) {
      if (at > state.epoch) continue;
      waiters.delete(at);
      for (const wake of list) wake();
    }
  };

  const onPut = (kv: { mod_revision: string; value: Buffer }) => {
    const revision = Number(kv.mod_revision);
    if (revision <= state.epoch) return;
    const command = decodeCommand(kv.value);
    let outcome: ControlOutcome | undefined;
    if (command === undefined) {
      state.epoch = revision;
    } else {
      outcome = state.apply(command, revision);
      if (outcome.ok) {
        for (const listener of listeners) {
          try {
            listener(outcome.change);
          } catch {
            // A watcher's failure is its own; the replica's state is already applied.
          }
        }
      }
    }
    applied(revision, outcome);
  };

  /** Resolves once this node has applied `revision`, or rejects after `ms`. */
  const appliedBy = (revision: number, ms: number, what: string): Promise<void> => {
    if (state.epoch >= revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = waiters.get(revision);
        if (list) {
          const index = list.indexOf(wake);
          if (index >= 0) list.splice(index, 1);
        }
        reject(
          new ClusterError({
            code: 'CLUSTER_CONTROL_UNAVAILABLE',
            message: `${what}: revision ${revision} was committed but not seen on "${node}" within ${ms} ms`,
          }),
        );
      }, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const list = waiters.get(revision) ?? [];
      list.push(wake);
      waiters.set(revision, list);
    });
  };

  let watcher: Watcher;
  try {
    // A plain read first: it fails within its deadline when etcd is out of reach.
    await client.get(logKey).options(deadline(defaultTimeout)).exec();
    watcher = await withDeadline(
      client.watch().key(logKey).startRevision('1').create(),
      defaultTimeout,
      (late) => void late.cancel().catch(() => undefined),
    );
  } catch (cause) {
    throw unavailable('createEtcdControlPlane', cause);
  }
  watcher.on('put', (kv) => onPut(kv as { mod_revision: string; value: Buffer }));
  // The watch replays the history: wait until it reached the last write before answering.
  try {
    const last = await client.get(logKey).options(deadline(defaultTimeout)).exec();
    const revision = Number(last.kvs[0]?.mod_revision ?? 0);
    await appliedBy(revision, defaultTimeout, 'createEtcdControlPlane');
  } catch (cause) {
    await watcher.cancel().catch(() => undefined);
    throw VarplaneError.isInstance(cause) ? cause : unavailable('createEtcdControlPlane', cause);
  }

  const electionName = `${prefix}/leader`;
  const election: Election = client.election(electionName, parsed.leaseTtlSeconds);
  // The leader is the candidate whose key is oldest (as in etcd's own election). Read it on every
  // change rather than through etcd3's observer, which picks the newest of several candidates
  // that appear in one watch batch.
  const candidates = client.namespace(`election/${electionName}/`);
  let leaderWatch: Watcher | undefined;
  let reading = Promise.resolve();
  const readLeader = () => {
    reading = reading.then(async () => {
      try {
        const oldest = await candidates
          .getAll()
          .sort('Create', 'Ascend')
          .limit(1)
          .options(deadline(defaultTimeout))
          .exec();
        leader = oldest.kvs[0]?.value.toString('utf8');
      } catch {
        // etcd out of reach: keep the last leader known; the next change reads again.
      }
    });
    return reading;
  };
  let campaign: Campaign | undefined;
  const startCampaign = () => {
    if (closed || !parsed.campaign) return;
    campaign = election.campaign(node);
    campaign.on('error', () => {
      // A lost lease ends the campaign: stand again while the node lives.
      if (!closed) setTimeout(startCampaign, 250);
    });
  };
  try {
    leaderWatch = await withDeadline(
      candidates.watch().prefix('').create(),
      defaultTimeout,
      (late) => void late.cancel().catch(() => undefined),
    );
    leaderWatch.on('put', () => void readLeader());
    leaderWatch.on('delete', () => void readLeader());
    await readLeader();
  } catch (cause) {
    await watcher.cancel().catch(() => undefined);
    throw unavailable('createEtcdControlPlane', cause);
  }
  startCampaign();

  const write = async (command: ControlCommand, requestOptions: unknown, what: string) => {
    const { timeoutMs } = parseArgument(requestSchema, requestOptions ?? {}, `${what}: options`);
    const ms = timeoutMs ?? defaultTimeout;
    if (closed) {
      throw new ClusterError({
        code: 'CLUSTER_TRANSPORT_CLOSED',
        message: `${what}: the control plane of "${node}" is closed`,
      });
    }
    let revision: number;
    try {
      const response = await client
        .put(logKey)
        .value(JSON.stringify(command))
        .options(deadline(ms))
        .exec();
      revision = Number(response.header.revision);
    } catch (cause) {
      throw unavailable(what, cause);
    }
    await appliedBy(revision, ms, what);
    const outcome = outcomes.get(revision);
    if (outcome === undefined) {
      throw new ClusterError({
        code: 'CLUSTER_CONTROL_UNAVAILABLE',
        message: `${what}: revision ${revision} was applied but its outcome is no longer kept`,
      });
    }
    if (!outcome.ok) {
      throw new ClusterError({ code: outcome.code, message: `${what}: ${outcome.message}` });
    }
    return { index: revision, change: outcome.change };
  };

  return {
    node,
    backend: 'etcd',
    view: () => state,
    async place(agent, spec: PlacementSpec, expectEpoch, requestOptions) {
      const a = parseArgument(id, agent, 'place: agent');
      const s = parseArgument(specSchema, spec, 'place: spec');
      const expect = parseArgument(epoch, expectEpoch, 'place: expectEpoch');
      const { change } = await write(
        {
          op: 'place',
          agent: a,
          node: s.node,
          behaviour: s.behaviour,
          restart: s.restart ?? 'permanent',
          ...(s.args === undefined ? {} : { args: s.args }),
          expect,
        },
        requestOptions,
        'place',
      );
      return (change as Extract<ControlChange, { type: 'placed' }>).placement as Placement;
    },
    async unplace(agent, expectEpoch, requestOptions) {
      const a = parseArgument(id, agent, 'unplace: agent');
      const expect = parseArgument(epoch, expectEpoch, 'unplace: expectEpoch');
      return (await write({ op: 'unplace', agent: a, expect }, requestOptions, 'unplace')).index;
    },
    async checkpoint(agent, placementEpoch, snapshot, requestOptions) {
      const a = parseArgument(id, agent, 'checkpoint: agent');
      const at = parseArgument(epoch, placementEpoch, 'checkpoint: placementEpoch');
      if (typeof snapshot !== 'object' || snapshot === null) {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `checkpoint: snapshot must be an agent snapshot (got ${typeof snapshot})`,
        });
      }
      return (
        await write(
          { op: 'checkpoint', agent: a, epoch: at, snapshot },
          requestOptions,
          'checkpoint',
        )
      ).index;
    },
    async join(requestOptions) {
      return (await write({ op: 'join', node }, requestOptions, 'join')).index;
    },
    async renew(requestOptions) {
      return (await write({ op: 'renew', node }, requestOptions, 'renew')).index;
    },
    async declareDown(target, renewed, requestOptions) {
      const n = parseArgument(id, target, 'declareDown: node');
      const r = parseArgument(epoch, renewed, 'declareDown: renewed');
      return (await write({ op: 'down', node: n, renewed: r }, requestOptions, 'declareDown'))
        .index;
    },
    async sync(requestOptions) {
      const { timeoutMs } = parseArgument(requestSchema, requestOptions ?? {}, 'sync: options');
      const ms = timeoutMs ?? defaultTimeout;
      let revision: number;
      try {
        const last = await client.get(logKey).options(deadline(ms)).exec();
        revision = Number(last.kvs[0]?.mod_revision ?? 0);
      } catch (cause) {
        throw unavailable('sync', cause);
      }
      await appliedBy(revision, ms, 'sync');
      return state.epoch;
    },
    leader: () => leader,
    watch(listener) {
      if (typeof listener !== 'function') {
        throw new ClusterError({
          code: 'CLUSTER_INVALID_ARGUMENT',
          message: `watch: listener must be a function (got ${typeof listener})`,
        });
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      await campaign?.resign().catch(() => undefined);
      await leaderWatch?.cancel().catch(() => undefined);
      await watcher.cancel().catch(() => undefined);
    },
  };
}

function decodeCommand(data: Buffer): ControlCommand | undefined {
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = controlCommandSchema.safeParse(value);
  return parsed.success ? (parsed.data as ControlCommand) : undefined;
}

function unavailable(what: string, cause: unknown): ClusterError {
  return new ClusterError({
    code: 'CLUSTER_CONTROL_UNAVAILABLE',
    message: `${what}: etcd did not confirm in time (${String((cause as Error)?.message ?? cause).slice(0, 200)}); a write may still commit`,
    cause,
  });
}

/** `promise`, or a rejection after `ms`; what arrives late is handed to `discard`. */
function withDeadline<T>(promise: Promise<T>, ms: number, discard: (late: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        if (expired) discard(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
