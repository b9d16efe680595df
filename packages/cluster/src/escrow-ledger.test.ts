import type { NatsConnection } from '@nats-io/transport-node';
import { createMemoryStorage, type RaftNode, startRaftNode } from '@varplane/consensus-raft';
import { createRandom, systemClock, VarplaneError } from '@varplane/core';
import { type ActorSystem, type Behaviour, createActorSystem } from '@varplane/runtime';
import { type NatsServer, startNats } from '@varplane/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../test/eventually';
import { createRaftBudgetBook, type RaftBudgetBook } from './budget-book';
import { createEscrowLedger, type EscrowLedger } from './escrow-ledger';
import { connectNats } from './nats-connection';
import { createNatsRaftTransport } from './nats-raft-transport';

const nodes = ['n1', 'n2', 'n3'];

describe('a team budget in escrowed slices across three nodes (Raft over NATS)', () => {
  let nats: NatsServer;
  const connections: NatsConnection[] = [];
  const rafts: RaftNode[] = [];
  const books = new Map<string, RaftBudgetBook>();

  beforeAll(async () => {
    nats = await startNats();
    for (const [i, node] of nodes.entries()) {
      const connection = await connectNats(nats.url, node);
      connections.push(connection);
      const book = createRaftBudgetBook({ timeoutMs: 5_000 });
      const raft = await startRaftNode({
        id: node,
        peers: nodes,
        storage: createMemoryStorage(),
        transport: createNatsRaftTransport({ connection, cluster: 'budget', id: node }),
        clock: systemClock,
        random: createRandom(i + 11),
        tickMs: 20,
        stateMachine: book.stateMachine,
      });
      book.connect(raft);
      books.set(node, book);
      rafts.push(raft);
    }
    await eventually(
      () => rafts.map((raft) => raft.status().leader),
      (leaders) => leaders[0] != null && leaders.every((leader) => leader === leaders[0]),
      10_000,
    );
  }, 30_000);

  afterAll(async () => {
    await Promise.all(rafts.map((raft) => raft.stop().catch(() => undefined)));
    await Promise.all(connections.map((connection) => connection.close()));
    await nats?.stop();
  });

  it('3 nodes spending concurrently never exceed the total, and use nearly all of it', async () => {
    const total = { tokens: 10_000, cost: 5 };
    const ledgers = new Map<string, EscrowLedger>();
    for (const node of nodes) {
      ledgers.set(
        node,
        await createEscrowLedger({
          team: 'alpha',
          node,
          book: books.get(node) as RaftBudgetBook,
          total,
          slice: { tokens: 800, cost: 0.4 },
        }),
      );
    }
    // Every node funded with the same total; the first commit set it.
    expect(books.get('n3')?.state('alpha').total).toEqual(total);

    type Work = { type: 'spend-until-refused' };
    const spent = new Map<string, number>();
    const refusals: string[] = [];
    const spender = (ledger: EscrowLedger): Behaviour<number, Work> => ({
      name: 'spender',
      init: () => 0,
      async handle(_work, state, ctx) {
        let mine = 0;
        const random = createRandom(ctx.self.id.length * 31 + ctx.self.node.length);
        for (;;) {
          // An LM call: its usage is known only after it returns.
          await new Promise((resolve) => setTimeout(resolve, 1));
          const tokens = 1 + Math.floor(random.next() * 60);
          try {
            ctx.spend({ tokens, cost: tokens / 4_000 });
            mine += tokens;
          } catch (error) {
            if (!VarplaneError.isInstance(error, 'BUDGET_EXHAUSTED')) throw error;
            refusals.push(ctx.self.node);
            const after = await ledger.refill();
            if (after.tokens < tokens) break;
          }
        }
        spent.set(`${ctx.self.node}/${ctx.self.id}`, mine);
        return state + mine;
      },
    });
    const systems: ActorSystem[] = [];
    const done: Promise<void>[] = [];
    for (const node of nodes) {
      const ledger = ledgers.get(node) as EscrowLedger;
      const system = createActorSystem({ node, ledger, random: createRandom(3) });
      systems.push(system);
      for (let a = 0; a < 4; a++) {
        system.spawn(spender(ledger), undefined, { id: `agent-${a}` });
        done.push(
          system.deliver(`agent-${a}`, { type: 'spend-until-refused' }, { timeout: 60_000 }),
        );
      }
    }
    await Promise.all(done);
    const spentInAll = [...spent.values()].reduce((a, b) => a + b, 0);
    expect(spentInAll).toBeLessThanOrEqual(total.tokens);
    // Each node's books agree with what its agents spent.
    for (const node of nodes) {
      const mine = [...spent].filter(([key]) => key.startsWith(`${node}/`));
      expect(ledgers.get(node)?.escrow().spent.tokens).toBe(
        mine.reduce((sum, [, value]) => sum + value, 0),
      );
    }
    // Nearly all of it: what is left is less than one refused spend per agent and node.
    expect(spentInAll).toBeGreaterThan(total.tokens - 12 * 60);
    expect(refusals.length).toBeGreaterThan(0);

    for (const ledger of ledgers.values()) await ledger.close();
    await books.get('n1')?.acquire('alpha', 'probe', { tokens: 0, cost: 0 });
    const state = books.get('n1')?.state('alpha');
    // After every node gave back what it held, the free budget is exactly what was not spent.
    expect(state?.free.tokens).toBeCloseTo(total.tokens - spentInAll, 6);
    expect(() => ledgers.get('n1')?.spend('agent-0', { tokens: 1 })).toThrow(
      expect.objectContaining({ code: 'BUDGET_EXHAUSTED' }),
    );
    await Promise.all(systems.map((system) => system.shutdown()));
  }, 60_000);

  it('grants out of what is free when applied, so racing acquires never over-grant', async () => {
    const book = books.get('n2') as RaftBudgetBook;
    await book.fund('beta', { tokens: 1_000, cost: 1 });
    const grants = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (books.get(nodes[i % 3] as string) as RaftBudgetBook).acquire('beta', `x${i}`, {
          tokens: 70,
          cost: 0.07,
        }),
      ),
    );
    const granted = grants.reduce((sum, grant) => sum + grant.tokens, 0);
    expect(granted).toBe(1_000);
    expect(grants.filter((grant) => grant.tokens === 70)).toHaveLength(14);
    expect(grants.filter((grant) => grant.tokens === 0)).toHaveLength(15);
    // A second fund leaves the committed total.
    await expect(book.fund('beta', { tokens: 5, cost: 5 })).resolves.toEqual({
      tokens: 1_000,
      cost: 1,
    });
    await expect(book.giveBack('beta', 'x0', { tokens: 1_000, cost: 0 })).resolves.toEqual({
      tokens: grants[0]?.tokens,
      cost: 0,
    });
  });

  it('refuses bad input with typed errors naming the field', async () => {
    const book = books.get('n1') as RaftBudgetBook;
    await expect(book.acquire('beta', 'n1', { tokens: -1, cost: 0 })).rejects.toThrow(
      /acquire: want: tokens: Too small/,
    );
    await expect(
      createEscrowLedger({ team: 'nobody-funded', node: 'n1', book }),
    ).rejects.toMatchObject({ code: 'CLUSTER_INVALID_ARGUMENT' });
    await expect(
      createEscrowLedger({ team: 'alpha', node: 'n1', book, slice: { tokens: 0 } }),
    ).rejects.toThrow(/slice\.tokens/);
  });
});
