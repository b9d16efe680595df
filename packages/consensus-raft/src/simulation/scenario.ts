import type { ConfChangeSingle, NodeId, RaftMessage } from '../messages';
import type { ProposeResult, RaftCoreOptions } from '../raft-core';
import { SimCluster, text } from './sim-cluster';

/**
 * Runs a scenario script: one command a line, `#` starts a comment. Inputs drive nodes and the
 * wire by hand; `expect-*` lines assert messages and state, and a failed one throws with its line.
 *
 * Inputs: `cluster a b c [learners=d] [prevote=false] [checkquorum=false] [election=10]
 * [heartbeat=1] [lease=true] [inflight=N] [inflightbytes=N] [uncommitted=N] [maxmsg=N]
 * [chunk=N] [forwarding=false]`, `add-node d`, `tick a [n]`, `tick-all [n]`, `campaign a`,
 * `elect [rounds]` (tick every node and deliver until a leader emerges), `propose a text [context]`, `propose-conf a add-voter:d remove-node:b [transition=...]`,
 * `read a context`, `transfer a c`, `forget b`, `process a b`, `deliver [a b]`,
 * `drop [a->b]`, `stabilize`, `partition a b | c`, `cut a->b`, `heal`, `crash a`,
 * `restart a`, `compact a`.
 *
 * Checks: `expect-durable b term=1 vote=a` (the hard state on disk), `expect-state a role=leader term=2 commit=3 applied=3 leader=a last=3 first=1
 * voters=a,b outgoing=a,b learners=c transferee=c`, `expect-sent a vote->b vote->c` (what the
 * last `process a` sent, in order), `expect-msg a->b append index=1 logTerm=1 entries=2 commit=1
 * reject=false` (a queued message), `expect-no-msg a->b [type]`, `expect-applied a x y`,
 * `expect-log a 1:1 2:1`, `expect-read a context index`, `expect-result appended|forwarded|
 * dropped[:reason]`, `expect-leaders a`, `expect-progress a b state=replicate match=3 next=4
 * inflight=1`.
 */
export function runScenario(script: string, name = 'scenario'): SimCluster {
  let cluster: SimCluster | null = null;
  let lastResult: ProposeResult | { type: 'pending' } | null = null;
  const lines = script.split('\n');
  for (const [at, raw] of lines.entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const [command = '', ...args] = line.split(/\s+/);
    const where = `${name}:${at + 1}: ${line}`;
    try {
      if (command === 'cluster') {
        cluster = makeCluster(args);
        continue;
      }
      if (cluster === null) throw new Error('the script must start with `cluster`');
      lastResult = runCommand(cluster, command, args, lastResult) ?? lastResult;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${where}\n  ${message}`, { cause: error });
    }
  }
  if (cluster === null) throw new Error(`${name}: empty scenario`);
  return cluster;
}

function options(args: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0) out.set(arg.slice(0, eq), arg.slice(eq + 1));
  }
  return out;
}

const positional = (args: readonly string[]) => args.filter((arg) => !arg.includes('='));

function makeCluster(args: readonly string[]): SimCluster {
  const o = options(args);
  const num = (key: string) => (o.has(key) ? Number(o.get(key)) : undefined);
  const flag = (key: string) => (o.has(key) ? o.get(key) === 'true' : undefined);
  const core: Record<string, unknown> = {
    electionTicks: num('election'),
    heartbeatTicks: num('heartbeat'),
    preVote: flag('prevote'),
    checkQuorum: flag('checkquorum'),
    readOnly: flag('lease') ? 'lease' : undefined,
    maxInflightMsgs: num('inflight'),
    maxInflightBytes: num('inflightbytes'),
    maxUncommittedBytes: num('uncommitted'),
    maxSizePerMsg: num('maxmsg'),
    snapshotChunkBytes: num('chunk'),
    proposalForwarding: flag('forwarding'),
  };
  for (const key of Object.keys(core)) if (core[key] === undefined) delete core[key];
  const learners = o.get('learners')?.split(',') ?? [];
  return new SimCluster({
    voters: positional(args),
    learners,
    core: core as Partial<RaftCoreOptions>,
    seed: num('seed') ?? 1,
  });
}

function runCommand(
  c: SimCluster,
  command: string,
  args: readonly string[],
  lastResult: ProposeResult | { type: 'pending' } | null,
): ProposeResult | { type: 'pending' } | undefined {
  const [first = '', second = ''] = args;
  switch (command) {
    case 'add-node':
      c.addNode(first, false);
      return;
    case 'tick':
      for (let i = 0; i < Number(second || 1); i++) c.node(first).core.tick();
      return;
    case 'tick-all':
      for (let i = 0; i < Number(first || 1); i++) {
        for (const node of c.nodes.values()) if (node.alive) node.core.tick();
      }
      return;
    case 'campaign':
      c.node(first).core.campaign();
      return;
    case 'elect': {
      // Ticks every node once and delivers everything, until some node leads.
      const limit = Number(first || 100);
      for (let round = 0; round < limit && c.leaders().length === 0; round++) {
        for (const node of c.nodes.values()) if (node.alive) node.core.tick();
        c.stabilize();
      }
      check(c.leaders().length > 0, `no leader after ${limit} rounds of ticks`);
      return;
    }
    case 'propose':
      return c.node(first).core.propose(text(second), args[2] ?? '');
    case 'propose-conf': {
      const changes: ConfChangeSingle[] = positional(args.slice(1)).map((spec) => {
        const [type, node] = spec.split(':');
        return { type: type as ConfChangeSingle['type'], node: node as NodeId };
      });
      const transition = options(args).get('transition');
      return c
        .node(first)
        .core.proposeConfChange(
          transition === undefined
            ? { changes }
            : { changes, transition: transition as 'auto' | 'joint-auto' | 'joint-explicit' },
        );
    }
    case 'read':
      return c.node(first).core.readIndex(second);
    case 'transfer':
      c.node(first).core.transferLeader(second);
      return;
    case 'forget':
      c.node(first).core.forgetLeader();
      return;
    case 'process':
      for (const id of args) c.process(id);
      return;
    case 'deliver':
      c.deliverTo(args);
      return;
    case 'drop': {
      if (first === '' || first === '*') c.inFlight = [];
      else {
        const [from, to] = first.split('->');
        c.inFlight = c.inFlight.filter((f) => !(f.message.from === from && f.message.to === to));
      }
      return;
    }
    case 'stabilize':
      c.stabilize();
      return;
    case 'partition': {
      const bar = args.indexOf('|');
      c.partition(args.slice(0, bar), args.slice(bar + 1));
      return;
    }
    case 'cut': {
      const [from, to] = first.split('->');
      c.cut.add(`${from}->${to}`);
      return;
    }
    case 'heal':
      c.heal();
      return;
    case 'crash':
      c.crash(first);
      return;
    case 'restart':
      c.restart(first);
      return;
    case 'compact':
      c.compact(first);
      return;
    case 'expect-state':
      expectState(c, first, options(args.slice(1)));
      return;
    case 'expect-durable': {
      // What a crash now would leave: the hard state on this node's disk.
      const hard = c.node(first).stored.hardState;
      const actual: Record<string, string> = {
        term: String(hard.term),
        vote: hard.vote ?? 'none',
        commit: String(hard.commit),
      };
      for (const [key, value] of options(args.slice(1))) {
        check(actual[key] === value, `durable ${key} is ${actual[key]}, not ${value}`);
      }
      return;
    }
    case 'expect-sent': {
      const sent = c
        .node(first)
        .lastSent.map((m) => `${m.type}->${m.to}`)
        .join(' ');
      check(sent === args.slice(1).join(' '), `sent: ${sent || '(nothing)'}`);
      return;
    }
    case 'expect-msg': {
      const [from, to] = first.split('->');
      const wanted = options(args.slice(2));
      const candidates = c.inFlight
        .map((f) => f.message)
        .filter((m) => m.from === from && m.to === to && m.type === second);
      const found = candidates.some((m) => matches(m, wanted));
      check(found, `queued ${from}->${to}: ${describeQueue(c, from, to)}`);
      return;
    }
    case 'expect-no-msg': {
      const [from, to] = first.split('->');
      const found = c.inFlight.some(
        (f) =>
          f.message.from === from &&
          f.message.to === to &&
          (second === '' || f.message.type === second),
      );
      check(!found, `queued ${from}->${to}: ${describeQueue(c, from, to)}`);
      return;
    }
    case 'expect-applied': {
      const applied = c.node(first).applied.join(' ');
      check(applied === args.slice(1).join(' '), `applied: ${applied || '(nothing)'}`);
      return;
    }
    case 'expect-log': {
      const log = (
        c.node(first).core as unknown as { log: { entries: { index: number; term: number }[] } }
      ).log.entries
        .map((e) => `${e.index}:${e.term}`)
        .join(' ');
      check(log === args.slice(1).join(' '), `log: ${log || '(empty)'}`);
      return;
    }
    case 'expect-read': {
      const reads = c.node(first).readStates;
      const found = reads.some((r) => r.context === second && r.index === Number(args[2]));
      check(found, `read states: ${JSON.stringify(reads)}`);
      return;
    }
    case 'expect-result': {
      const got =
        lastResult === null
          ? 'none'
          : lastResult.type === 'dropped'
            ? `dropped:${lastResult.reason}`
            : lastResult.type;
      check(got === first || (first === 'dropped' && got.startsWith('dropped')), `result: ${got}`);
      return;
    }
    case 'expect-leaders': {
      const leaders = c.leaders().sort().join(' ');
      check(leaders === [...args].sort().join(' '), `leaders: ${leaders || '(none)'}`);
      return;
    }
    case 'expect-progress': {
      const progress = c.node(first).core.status().progress.get(second);
      check(progress !== undefined, `${first} tracks no progress of ${second}`);
      const wanted = options(args.slice(2));
      for (const [key, value] of wanted) {
        const actual = String((progress as unknown as Record<string, unknown>)[key]);
        check(actual === value, `progress ${key} is ${actual}, not ${value}`);
      }
      return;
    }
    default:
      throw new Error(`unknown command ${JSON.stringify(command)}`);
  }
}

function check(ok: boolean, detail: string): void {
  if (!ok) throw new Error(`expectation failed; ${detail}`);
}

function matches(m: RaftMessage, wanted: ReadonlyMap<string, string>): boolean {
  for (const [key, value] of wanted) {
    const actual =
      key === 'entries'
        ? String(m.entries.length)
        : String((m as unknown as Record<string, unknown>)[key]);
    if (actual !== value) return false;
  }
  return true;
}

function describeQueue(c: SimCluster, from: string | undefined, to: string | undefined): string {
  const queued = c.inFlight
    .map((f) => f.message)
    .filter((m) => m.from === from && m.to === to)
    .map(
      (m) =>
        `${m.type}(term=${m.term} index=${m.index} logTerm=${m.logTerm} entries=${m.entries.length} commit=${m.commit} reject=${m.reject})`,
    );
  return queued.join(', ') || '(none)';
}

function expectState(c: SimCluster, id: NodeId, wanted: ReadonlyMap<string, string>): void {
  const node = c.node(id);
  const s = node.core.status();
  const actual: Record<string, string> = {
    role: s.role,
    term: String(s.term),
    commit: String(s.commit),
    applied: String(node.appliedIndex),
    leader: s.leader ?? 'none',
    vote: s.vote ?? 'none',
    last: String(s.lastIndex),
    first: String(s.firstIndex),
    voters: list(s.conf.voters),
    outgoing: list(s.conf.votersOutgoing),
    learners: list(s.conf.learners),
    transferee: s.leadTransferee ?? 'none',
  };
  for (const [key, value] of wanted) {
    check(key in actual, `unknown state field ${key}`);
    check(actual[key] === value, `${key} is ${actual[key] || '(empty)'}, not ${value}`);
  }
}

const list = (ids: readonly NodeId[]) => (ids.length === 0 ? 'none' : [...ids].sort().join(','));
