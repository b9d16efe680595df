import type { NatsConnection } from '@nats-io/transport-node';
import {
  type AdaptationEvent,
  createMultiAgentSpace,
  directive,
  registerAgent,
} from '@varplane/core';
import { type ActorSystem, type Behaviour, createActorSystem, startSpace } from '@varplane/runtime';
import { type NatsServer, startNats } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { clusterMigrateHandler } from './cluster-migrate';
import { clusterTelemetry, serveTelemetry } from './cluster-telemetry';
import { connectNats } from './nats-connection';
import { createNatsRemoteTransport } from './nats-remote-transport';

type Count = { type: 'add' } | { type: 'get' };
const counter: Behaviour<number, Count> = {
  name: 'counter',
  init: () => 0,
  async handle(message, total, ctx) {
    await Promise.resolve();
    if (message.type === 'add') return total + 1;
    ctx.reply({ total, node: ctx.self.node });
    return total;
  },
};

describe('a running space on the cluster: migrate directives and cluster telemetry', () => {
  let nats: NatsServer;
  const connections: NatsConnection[] = [];
  const stops: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    nats = await startNats();
  }, 30_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await Promise.all(connections.map((connection) => connection.close()));
    await nats?.stop();
  });

  it('a migrate directive moves the agent to the node it names, with its state and every message', async () => {
    const n1 = await connectNats(nats.url, 'n1');
    const n2 = await connectNats(nats.url, 'n2');
    connections.push(n1, n2);
    // n2: a plain member that can run counters.
    const transport2 = createNatsRemoteTransport({ connection: n2, cluster: 'sp', node: 'n2' });
    const system2: ActorSystem = createActorSystem({ node: 'n2', transport: transport2 });
    transport2.serve(system2, { behaviours: [counter] });
    stops.push(() => system2.shutdown());
    // n1: the space, whose migrate directives the cluster carries out.
    let space = createMultiAgentSpace({ id: 'team' });
    space = registerAgent(space, { id: 'tally', behaviour: 'counter' });
    const transport1 = createNatsRemoteTransport({ connection: n1, cluster: 'sp', node: 'n1' });
    const team = await startSpace(space, {
      behaviours: { counter },
      node: 'n1',
      transport: transport1,
      migrate: clusterMigrateHandler({ connection: n1, cluster: 'sp', node: 'n1' }),
    });
    transport1.serve(team.system, { behaviours: [counter] });
    stops.push(() => team.stop());
    await team.startAgents();

    // A directive to a node nobody serves fails and leaves the agent where it was, mail and all.
    team.send('tally', { type: 'add' });
    const failed = await team.applyDirectives([directive('tally', 'migrate', { node: 'n9' })]);
    const refusal = failed.adaptationHistory.at(-1) as AdaptationEvent;
    expect(refusal.outcome).toBe('failure');
    expect(refusal.errors[0]?.message).toMatch(/could not move from "n1" to "n9"/);
    await expect(team.call('tally', { type: 'get' })).resolves.toEqual({ total: 1, node: 'n1' });

    for (let i = 0; i < 299; i++) team.send('tally', { type: 'add' });
    const moving = team.applyDirectives([directive('tally', 'migrate', { node: 'n2' })]);
    for (let i = 0; i < 300; i++) team.send('tally', { type: 'add' });
    const after = await moving;
    expect((after.adaptationHistory.at(-1) as AdaptationEvent).outcome).toBe('success');
    for (let i = 0; i < 400; i++) team.send('tally', { type: 'add' });
    const answer = await eventually(
      () => team.call<{ total: number; node: string }>('tally', { type: 'get' }),
      (value) => value.total === 1_000,
      10_000,
    );
    expect(answer).toEqual({ total: 1_000, node: 'n2' });
    expect(system2.info('tally')?.behaviour).toBe('counter');
    expect(team.system.info('tally')).toBeUndefined();

    // Cluster telemetry: per node, merged, and the node that is not there named.
    stops.push(
      await serveTelemetry({ connection: n1, cluster: 'sp', node: 'n1', system: team.system }),
    );
    stops.push(
      await serveTelemetry({ connection: n2, cluster: 'sp', node: 'n2', system: system2 }),
    );
    const report = await clusterTelemetry(n1, 'sp', ['n1', 'n2', 'n3'], { timeoutMs: 300 });
    expect(report.absent).toEqual(['n3']);
    expect(Object.keys(report.nodes).sort()).toEqual(['n1', 'n2']);
    const tally = report.nodes.n2?.agents.find((agent) => agent.agent === 'tally');
    expect(tally?.messagesHandled).toBeGreaterThanOrEqual(1_000 - 600);
    expect(report.merged.agents).toBe(
      (report.nodes.n1?.totals.agents ?? 0) + (report.nodes.n2?.totals.agents ?? 0),
    );
    expect(report.merged.messagesHandled).toBe(
      (report.nodes.n1?.totals.messagesHandled ?? 0) +
        (report.nodes.n2?.totals.messagesHandled ?? 0),
    );
    await expect(clusterTelemetry(n1, 'sp', [''])).rejects.toThrow(/nodes\.0/);
    expect(() => clusterMigrateHandler({ connection: n1, cluster: '', node: 'n1' })).toThrow(
      /cluster/,
    );
  }, 60_000);
});
