/**
 * Message throughput: ping-pong (one causal hop per message), a burst into one agent, and 10k
 * agents with 10k tokens in flight, sync and async, each against {@link RunQueue} or the sync
 * path. Every run checks exact counts (a lost message hangs into the harness's deadline, a
 * repeated one fails the count).
 */
import { type Comparison, compare, type Trial } from '@varplane/bench-kit';
import { type AgentRef, createRandom } from '@varplane/core';
import { type ActorSystem, type Behaviour, createActorSystem } from '../src/index';
import { type RingActor, RunQueue } from './baseline';

export const HOPS = 10_000;
export const BURST = 10_000;
const AGENTS = 10_000;
const TOKEN_HOPS = 10;

export const newSystem = (): ActorSystem => createActorSystem({ random: createRandom(1) });

/** Settles one run of a case: `finish` resolves it, `fail` rejects it with what went wrong. */
class Run {
  private resolve: () => void = () => {};
  private reject: (error: Error) => void = () => {};

  start(kick: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      kick();
    });
  }

  finish(): void {
    this.resolve();
  }

  fail(message: string): void {
    this.reject(new Error(message));
  }
}

const resolved = Promise.resolve();

// ---------------------------------------------------------------------------------------------
// Ping-pong

function pingPongTrial(name: string, async: boolean): Trial {
  const run = new Run();
  let hops = 0;
  /** One hop: true when the ball goes back. */
  const step = (n: number): boolean => {
    hops++;
    if (n > 0) return true;
    if (hops === HOPS + 1) run.finish();
    else run.fail(`a ping-pong of ${HOPS} hops made ${hops - 1}`);
    return false;
  };
  const player: Behaviour<string, number, string> = async
    ? {
        name: 'player',
        async handle(n, peer, ctx) {
          await resolved;
          if (step(n)) ctx.send(peer, n - 1);
          return peer;
        },
      }
    : {
        name: 'player',
        handle(n, peer, ctx) {
          if (step(n)) ctx.send(peer, n - 1);
          return peer;
        },
      };
  const sys = newSystem();
  sys.spawn(player, 'pong', { id: 'ping' });
  sys.spawn(player, 'ping', { id: 'pong' });
  return {
    name,
    opsPerCall: HOPS,
    fn: () =>
      run.start(() => {
        hops = 0;
        sys.send('ping', HOPS);
      }),
  };
}

function ringPingPongTrial(): Trial {
  const run = new Run();
  const queue = new RunQueue();
  let hops = 0;
  const handler = (n: unknown, actor: RingActor) => {
    hops++;
    if ((n as number) > 0) (actor.state as RingActor).send((n as number) - 1);
    else if (hops === HOPS + 1) run.finish();
    else run.fail(`a ping-pong of ${HOPS} hops made ${hops - 1}`);
  };
  const ping = queue.spawn(handler);
  const pong = queue.spawn(handler, ping);
  ping.state = pong;
  return {
    name: 'run-queue ping-pong',
    opsPerCall: HOPS,
    fn: () =>
      run.start(() => {
        hops = 0;
        ping.send(HOPS);
      }),
  };
}

export const pingPong = (): Promise<Comparison> =>
  compare(pingPongTrial('varplane ping-pong', false), ringPingPongTrial());

export const asyncPingPong = (): Promise<Comparison> =>
  compare(
    pingPongTrial('varplane async ping-pong', true),
    pingPongTrial('varplane ping-pong', false),
  );

// ---------------------------------------------------------------------------------------------
// Burst into one agent

function burstTrial(name: string, async: boolean): Trial {
  const run = new Run();
  let received = 0;
  // In order and once each: a lost or repeated message breaks the sequence.
  const take = (n: number) => {
    if (n !== received) run.fail(`burst message ${n} arrived as number ${received}`);
    if (++received === BURST) run.finish();
  };
  const sink: Behaviour<null, number> = async
    ? {
        name: 'sink',
        async handle(n, state) {
          await resolved;
          take(n);
          return state;
        },
      }
    : {
        name: 'sink',
        handle(n, state) {
          take(n);
          return state;
        },
      };
  const sys = newSystem();
  const ref = sys.spawn(sink, null);
  return {
    name,
    opsPerCall: BURST,
    fn: () =>
      run.start(() => {
        received = 0;
        for (let i = 0; i < BURST; i++) sys.send(ref, i);
      }),
  };
}

function ringBurstTrial(): Trial {
  const run = new Run();
  let received = 0;
  const actor = new RunQueue().spawn((n) => {
    if (n !== received) run.fail(`burst message ${n} arrived as number ${received}`);
    if (++received === BURST) run.finish();
  });
  return {
    name: 'run-queue burst',
    opsPerCall: BURST,
    fn: () =>
      run.start(() => {
        received = 0;
        for (let i = 0; i < BURST; i++) actor.send(i);
      }),
  };
}

export const burst = (): Promise<Comparison> =>
  compare(burstTrial('varplane burst', false), ringBurstTrial(), { loopDelay: true });

export const asyncBurst = (): Promise<Comparison> =>
  compare(burstTrial('varplane async burst', true), burstTrial('varplane burst', false), {
    loopDelay: true,
  });

// ---------------------------------------------------------------------------------------------
// 10k agents, 10k tokens in flight, each token hopping TOKEN_HOPS times

export const MANY_OPS = AGENTS * (TOKEN_HOPS + 1);
const nextOf = (i: number) => (i * 7_919 + 1) % AGENTS;

/** Counts hops and arrivals: every token arrives once, after exactly `MANY_OPS` hops in all. */
class Tokens {
  readonly run = new Run();
  private hops = 0;
  private arrived = new Uint8Array(AGENTS);
  private left = 0;

  start(kick: () => void): Promise<void> {
    return this.run.start(() => {
      this.hops = 0;
      this.left = AGENTS;
      this.arrived.fill(0);
      kick();
    });
  }

  /** One hop of `token`; true when it must travel on. */
  hop(token: number, hopsLeft: number): boolean {
    this.hops++;
    if (hopsLeft > 0) return true;
    if (this.arrived[token] === 1) this.run.fail(`token ${token} arrived twice`);
    this.arrived[token] = 1;
    if (--this.left === 0) {
      if (this.hops === MANY_OPS) this.run.finish();
      else this.run.fail(`${AGENTS} tokens made ${this.hops} hops, not ${MANY_OPS}`);
    }
    return false;
  }
}

// A token is one number: its id times 16 plus the hops it has left, so a message is a small
// integer on both sides and no allocation is measured.
const tokenOf = (id: number, hopsLeft: number) => id * 16 + hopsLeft;

function ringManyTrial(): Trial {
  const tokens = new Tokens();
  const queue = new RunQueue();
  const actors: RingActor[] = [];
  for (let i = 0; i < AGENTS; i++) {
    actors.push(
      queue.spawn((m) => {
        const token = m as number;
        if (tokens.hop(token >> 4, token & 15)) (actors[nextOf(i)] as RingActor).send(token - 1);
      }),
    );
  }
  return {
    name: 'run-queue many-to-many',
    opsPerCall: MANY_OPS,
    fn: () =>
      tokens.start(() => {
        for (let i = 0; i < AGENTS; i++) (actors[i] as RingActor).send(tokenOf(i, TOKEN_HOPS));
      }),
  };
}

function manyTrial(by: 'ref' | 'id'): Trial {
  const tokens = new Tokens();
  const sys = newSystem();
  const refs: AgentRef[] = [];
  const ids: string[] = [];
  const hopByRef: Behaviour<number, number, number> = {
    name: 'hop',
    handle(token, index, ctx) {
      if (tokens.hop(token >> 4, token & 15)) ctx.send(refs[nextOf(index)] as AgentRef, token - 1);
      return index;
    },
  };
  const hopById: Behaviour<string, number, string> = {
    name: 'hop',
    handle(token, next, ctx) {
      if (tokens.hop(token >> 4, token & 15)) ctx.send(next, token - 1);
      return next;
    },
  };
  for (let i = 0; i < AGENTS; i++) {
    if (by === 'ref') refs.push(sys.spawn(hopByRef, i));
    else ids.push(sys.spawn(hopById, `n${nextOf(i)}`, { id: `n${i}` }).id);
  }
  return {
    name: `varplane many-to-many by ${by}`,
    opsPerCall: MANY_OPS,
    fn: () =>
      tokens.start(() => {
        if (by === 'ref')
          for (let i = 0; i < AGENTS; i++) sys.send(refs[i] as AgentRef, tokenOf(i, TOKEN_HOPS));
        else for (let i = 0; i < AGENTS; i++) sys.send(ids[i] as string, tokenOf(i, TOKEN_HOPS));
      }),
  };
}

export const manyByRef = (): Promise<Comparison> =>
  compare(manyTrial('ref'), ringManyTrial(), { loopDelay: true });

export const manyById = (): Promise<Comparison> =>
  compare(manyTrial('id'), ringManyTrial(), { loopDelay: true });
