import { describe, expect, it } from 'vitest';
import { encode, startCluster } from '../src/simulation/node-cluster';
import {
  checkLinearizability,
  createRegisterModel,
  type Operation,
  type RegisterInput,
  type RegisterOutput,
} from '../src/testing';

type Op = Operation<RegisterInput<string | null>, RegisterOutput<string | null>>;

describe('the linearizability checker on a Raft run with a deposed leader', () => {
  it('catches a read served from the old leader’s local state, and passes ReadIndex reads', async () => {
    const h = await startCluster();
    await h.run(3000);
    const old = h.leader();
    const history: Op[] = [];
    const register = (id: string) => h.machines.get(id)?.values().at(-1) ?? null;

    const put = async (node: typeof old, value: string, client: string) => {
      const start = h.clock.now();
      const done = node.propose(encode(value)).then(() => h.clock.now());
      await h.run(200);
      history.push({
        client,
        input: { type: 'write', value },
        start,
        end: await done,
        output: null,
      });
    };
    const readIndex = async (node: typeof old, client: string) => {
      const start = h.clock.now();
      const done = node.read().then(() => ({ end: h.clock.now(), value: register(node.id) }));
      await h.run(200);
      const { end, value } = await done;
      history.push({ client, input: { type: 'read' }, start, end, output: value });
    };

    await put(old, 'v1', 'w');
    // The leader is cut off; the others elect a new one and commit v2 without it.
    const others = [...h.nodes.keys()].filter((id) => id !== old.id);
    h.network.partition([old.id], others);
    await h.run(3000);
    const fresh = [...h.nodes.values()].find(
      (n) => n.id !== old.id && n.status().role === 'leader',
    );
    expect(fresh).toBeDefined();
    await put(fresh as typeof old, 'v2', 'w');
    await readIndex(fresh as typeof old, 'r1');

    // A ReadIndex read on the deposed leader cannot complete: it is never served stale.
    const start = h.clock.now();
    const refused = old.read({ timeoutMs: 500 }).then(
      () => 'served',
      (error: { code: string }) => error.code,
    );
    await h.run(600);
    expect(['RAFT_TIMEOUT', 'RAFT_NO_QUORUM']).toContain(await refused);

    const linearizable = checkLinearizability(
      history,
      createRegisterModel<string | null>({ initial: null }),
    );
    expect(linearizable.outcome).toBe('linearizable');

    // The injected bug: answering from the old leader's local state, without ReadIndex.
    const stale: Op = {
      client: 'r2',
      input: { type: 'read' },
      start,
      end: h.clock.now(),
      output: register(old.id),
    };
    expect(stale.output).toBe('v1');
    const verdict = checkLinearizability(
      [...history, stale],
      createRegisterModel<string | null>({ initial: null }),
    );
    expect(verdict.outcome).toBe('not-linearizable');
    if (verdict.outcome !== 'not-linearizable') return;
    expect(verdict.counterexample.blocked.map((b) => b.operation)).toContain(stale);
    expect(verdict.counterexample.message).toContain('[r2] read() -> "v1"');
    for (const node of h.nodes.values()) await node.stop();
  });
});
