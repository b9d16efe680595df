import type { NatsConnection } from '@nats-io/transport-node';
import { type ActorSystem, type Behaviour, createActorSystem } from '@varplane/runtime';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlView, Placement } from './control-plane';
import { Hosting } from './internal/hosting';
import { connectNats } from './nats-connection';
import {
  createNatsRemoteTransport,
  type NodeTransport,
  openNodeTransport,
} from './nats-remote-transport';

const counter: Behaviour<number[], { seq: number } | 'get'> = {
  name: 'counter',
  init: () => [],
  async handle(message, seen, ctx) {
    await Promise.resolve();
    if (message === 'get') ctx.reply(seen);
    else seen.push(message.seq);
    return seen;
  },
};

/** A view this test advances by hand: the node's log, applied late on purpose. */
function lateView() {
  const placements = new Map<string, Placement>();
  let epoch = 10;
  const view: ControlView = {
    get epoch() {
      return epoch;
    },
    placement: (agent) => placements.get(agent),
    placements: () => placements,
    member: () => undefined,
    members: () => new Map(),
    checkpoint: () => undefined,
  };
  return {
    view,
    apply(agent: string, node: string) {
      epoch += 1;
      placements.set(agent, { node, epoch, behaviour: 'counter', restart: 'permanent' });
      return epoch;
    },
    tick() {
      epoch += 1;
    },
  };
}

const until = async (check: () => Promise<boolean>, withinMs: number) => {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('mail for an agent placed on a node that has not applied the placement yet', () => {
  let nats: NatsCluster;
  const connections: NatsConnection[] = [];
  let sender: ActorSystem;
  let host: ActorSystem;
  let hostTransport: NodeTransport;
  const log = lateView();
  const hosting = new Hosting();

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 1, jetstream: false });
    const url = nats.urls[0] as string;
    const senderConnection = await connectNats(url, 'client');
    const hostConnection = await connectNats(url, 'n2');
    connections.push(senderConnection, hostConnection);
    // The sender has no view (a client node): its mail carries no epoch.
    const senderTransport = createNatsRemoteTransport({
      connection: senderConnection,
      cluster: 'lag',
      node: 'client',
    });
    sender = createActorSystem({ node: 'client', transport: senderTransport });
    senderTransport.serve(sender);
    hostTransport = openNodeTransport({
      connection: hostConnection,
      cluster: 'lag',
      node: 'n2',
      routing: { view: () => log.view, hosting },
    });
    host = createActorSystem({ node: 'n2', transport: hostTransport });
    hostTransport.serve(host);
    for (const connection of connections) await connection.flush();
  }, 60_000);

  afterAll(async () => {
    await sender?.shutdown();
    await host?.shutdown();
    await Promise.all(connections.map((connection) => connection.close()));
    await nats?.stop();
  });

  it('waits for the log, then reaches the agent, all of it and in order', async () => {
    for (let seq = 1; seq <= 20; seq++) sender.send({ id: 'late', node: 'n2' }, { seq });
    // Nothing hosts "late" yet, and the view does not know it: the mail waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(host.deadLetters()).toBe(0);
    // The placement is applied, the node starts the agent and follows the log (flushes).
    const epoch = log.apply('late', 'n2');
    host.spawn(counter, undefined, { id: 'late' });
    hosting.set('late', { kind: 'running', epoch });
    hostTransport.flushParked();
    let seen: number[] = [];
    await until(async () => {
      seen = await sender.call<number[]>({ id: 'late', node: 'n2' }, 'get');
      return seen.length === 20;
    }, 10_000);
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(host.deadLetters()).toBe(0);
  }, 30_000);

  it('a call waits too, and one for an agent that never comes is refused typed after the wait', async () => {
    const early = sender.call<number[]>({ id: 'later', node: 'n2' }, 'get', { timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const epoch = log.apply('later', 'n2');
    host.spawn(counter, undefined, { id: 'later' });
    hosting.set('later', { kind: 'running', epoch });
    hostTransport.flushParked();
    await expect(early).resolves.toEqual([]);

    const nobody = sender.call({ id: 'nobody', node: 'n2' }, 'get', { timeout: 5_000 }).then(
      () => 'resolved',
      (error: { code?: string }) => error.code,
    );
    // Changes that do not place it: after its wait it takes the usual way.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    log.tick();
    hostTransport.flushParked();
    expect(await nobody).toBe('AGENT_NOT_FOUND');
  }, 30_000);

  it('mail for an agent the node forwards (it moved away unplaced) is not held', async () => {
    sender.spawn(counter, undefined, { id: 'gone-there' });
    host.spawn(counter, undefined, { id: 'gone' });
    await host.suspend('gone');
    host.export('gone');
    host.release('gone', { id: 'gone-there', node: 'client' });
    const waitedBefore = hostTransport.stats().waited;
    for (let seq = 1; seq <= 5; seq++) sender.send({ id: 'gone', node: 'n2' }, { seq });
    // No flush, no change of the log: n2 forwards at once.
    let seen: number[] = [];
    await until(async () => {
      seen = await sender.call<number[]>('gone-there', 'get');
      return seen.length === 5;
    }, 5_000);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(hostTransport.stats().waited).toBe(waitedBefore);
  }, 30_000);

  it('mail for an agent the node runs outside placement is not held', async () => {
    host.spawn(counter, undefined, { id: 'local' });
    sender.send({ id: 'local', node: 'n2' }, { seq: 7 });
    // No flush, no change of the log: it is delivered at once.
    await until(async () => {
      const seen = await sender.call<number[]>({ id: 'local', node: 'n2' }, 'get');
      return seen.length === 1;
    }, 5_000);
  }, 30_000);
});
