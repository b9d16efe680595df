import {
  addOrchestrationVariable,
  createMultiAgentSpace,
  type JsonValue,
  type MultiAgentSpace,
  performanceThreshold,
  registerAgent,
  VarplaneError,
} from '@varplane/core';
import { type NatsCluster, startNatsCluster } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { type ClusterNode, startClusterNode } from './cluster-node';
import { distribute } from './distribute';

function teamSpace(scope: 'cluster' | 'local'): MultiAgentSpace {
  let space = createMultiAgentSpace({ id: 'team' });
  space = registerAgent(space, { id: 'worker', behaviour: 'worker' });
  return addOrchestrationVariable(
    space,
    performanceThreshold('batch', { agents: ['worker'], scope, range: [0, 1_000] }),
  );
}

describe('distribute: a cluster-scope variable replicated through the Raft log', () => {
  let nats: NatsCluster;
  const nodes: ClusterNode[] = [];
  const space = teamSpace('cluster');

  beforeAll(async () => {
    nats = await startNatsCluster({ size: 3 });
    const peers = ['n1', 'n2', 'n3'];
    for (const [i, node] of peers.entries()) {
      nodes.push(
        await startClusterNode({
          cluster: 'dv',
          node,
          servers: nats.urls[i] ?? '',
          peers,
          space,
          tickMs: 50,
        }),
      );
    }
    await eventually(
      () => nodes.filter((n) => n.raft?.status().role === 'leader').length,
      (leaders) => leaders === 1,
      15_000,
    );
  }, 60_000);
  afterAll(async () => {
    for (const node of nodes) await node.stop().catch(() => undefined);
    await nats?.stop();
  });

  it('concurrent sets from three nodes: every node sees the same values in the same order', async () => {
    const batch = distribute(space.orchestrationVariables.batch as never, nodes);
    expect(batch.nodes).toEqual(['n1', 'n2', 'n3']);
    const seen = new Map<string, JsonValue[]>();
    const subscriptions = batch.nodes.map((node) => {
      seen.set(node, []);
      return batch.values$(node).subscribe((value) => seen.get(node)?.push(value));
    });
    // 30 sets per node, all in flight at once, through each node's own replica.
    const wanted = batch.nodes.flatMap((via, n) =>
      Array.from({ length: 30 }, (_, i) => ({ via, value: 1 + n * 100 + i })),
    );
    const answers = await Promise.all(wanted.map(({ via, value }) => batch.set(value, { via })));
    // Each set resolves with its own value: the one its entry applied, not a later one.
    expect(answers).toEqual(wanted.map(({ value }) => value));
    await eventually(
      () => batch.nodes.map((node) => seen.get(node)?.length),
      (lengths) => lengths.every((length) => length === 91),
      10_000,
    );
    for (const s of subscriptions) s.unsubscribe();
    const first = seen.get('n1') ?? [];
    expect(first[0]).toBe(700);
    expect(first.slice(1).sort((a, b) => Number(a) - Number(b))).toEqual([
      ...[1, 101, 201].flatMap((base) => Array.from({ length: 30 }, (_, i) => base + i)),
    ]);
    // The sets raced, so their order is the log's; whatever it is, it is the same on every node.
    expect(seen.get('n2')).toEqual(first);
    expect(seen.get('n3')).toEqual(first);
    const last = first.at(-1);
    expect(batch.nodes.map((node) => batch.value(node))).toEqual([last, last, last]);
  }, 30_000);

  it('a value outside the domain is refused with the space typed error, on no node applied', async () => {
    const batch = distribute(space.orchestrationVariables.batch as never, nodes);
    const before = batch.value('n1');
    const refusal = await batch.set(5_000, { via: 'n3' }).catch((error: unknown) => error);
    expect(VarplaneError.isInstance(refusal)).toBe(true);
    expect(String((refusal as Error).message)).toMatch(/5000|5,000/);
    expect(batch.nodes.map((node) => batch.value(node))).toEqual([before, before, before]);
  });

  it('refuses bad input with CLUSTER_INVALID_ARGUMENT naming the field and value', async () => {
    const variable = space.orchestrationVariables.batch as never;
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return `${(error as VarplaneError).code} ${(error as Error).message}`;
      }
      return 'accepted';
    };
    expect(code(() => distribute(variable, []))).toMatch(/CLUSTER_INVALID_ARGUMENT.*nodes/);
    expect(code(() => distribute(variable, [nodes[0], nodes[0]] as never))).toMatch(
      /nodes\.1 \("n1"\) is listed twice/,
    );
    const local = teamSpace('local').orchestrationVariables.batch;
    expect(code(() => distribute(local as never, nodes))).toMatch(
      /CLUSTER_INVALID_ARGUMENT.*variable\.scope.*"local"/,
    );
    const other = { ...(variable as object), id: '__proto__' };
    expect(code(() => distribute(other as never, nodes))).toMatch(
      /nodes\.0 \("n1"\) has no variable "__proto__"/,
    );
    const batch = distribute(variable, nodes);
    await expect(batch.set(3, { via: 'n9' })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.via must be one of \["n1","n2","n3"\] \(got "n9"\)/),
    });
    await expect(batch.set(3, { timeoutMs: -1 })).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.timeoutMs.*-1/),
    });
    await expect(batch.set(3, { retries: 2 } as never)).rejects.toMatchObject({
      code: 'CLUSTER_INVALID_ARGUMENT',
    });
    expect(code(() => batch.values$('n7'))).toMatch(/node must be one of/);
  });
});
