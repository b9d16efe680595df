import { createManualClock, createRandom, VarplaneError } from '@varplane/core';
import { describe, expect, it } from 'vitest';
import { createActorSystem } from './actor-system';
import type { Behaviour } from './behaviour';
import type { ChildSpec } from './child-spec';
import { createSupervisor } from './supervisor';
import { startSupervisor } from './supervisor-handle';

/**
 * A seeded chaos run: 1,000 workers under 100 leaf supervisors, 10 middle supervisors and a root.
 * Each step sends casts and calls to random workers, lets the slow workers get busy, injects one
 * crash (a kill mid-call or a crash message), then lets the team settle. A small model, written
 * from the rules and not from the code, predicts every restart count and every escalation.
 */

const MIDS = 10;
const LEAVES = 10;
const WORKERS = 10;
const LEAF_INTENSITY = 3;
const PERIOD_MS = 1_000;
const ROUNDS = 5;
const STEPS = 100;

type WorkerMessage = { type: 'work' } | { type: 'ping' } | { type: 'crash' };

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

function newGate(): Gate {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

interface LeafModel {
  id: string;
  workers: string[];
  temporary: Set<string>;
  crashesThisWindow: number;
  restarts: number;
}

describe('chaos', () => {
  it('keeps permanent agents alive, counts every restart, and escalates exactly where the budget says', async () => {
    const random = createRandom(20_240_601);
    const clock = createManualClock();
    const system = createActorSystem({ clock, random: createRandom(5) });
    const escalations: string[] = [];
    system.events$.subscribe((event) => {
      if (event.type === 'supervisor-escalated') escalations.push(event.supervisor);
    });

    let gate = newGate();
    const worker: Behaviour<{ handled: number; slow: boolean }, WorkerMessage, { slow: boolean }> =
      {
        name: 'worker',
        init: (args) => ({ handled: 0, slow: args.slow }),
        handle(message, state, ctx) {
          if (message.type === 'crash') throw new Error(`crash message to ${ctx.self.id}`);
          const next = { handled: state.handled + 1, slow: state.slow };
          const answer = () => {
            if (message.type === 'ping') ctx.reply(next.handled);
            return next;
          };
          if (!state.slow) return answer();
          return gate.promise.then(answer);
        },
      };

    // The tree, and the model of it.
    const leaves: LeafModel[] = [];
    const restarts = new Map<string, number>();
    const alive = new Map<string, boolean>();
    const mids: ChildSpec[] = [];
    for (let m = 0; m < MIDS; m++) {
      const leafSpecs: ChildSpec[] = [];
      for (let l = 0; l < LEAVES; l++) {
        const id = `m${m}.l${l}`;
        const model: LeafModel = {
          id,
          workers: [],
          temporary: new Set(),
          crashesThisWindow: 0,
          restarts: 0,
        };
        const children: ChildSpec[] = [];
        for (let w = 0; w < WORKERS; w++) {
          const workerId = `${id}.w${w}`;
          const temporary = w === WORKERS - 1;
          children.push({
            id: workerId,
            behaviour: worker,
            args: { slow: w % 2 === 0 },
            restart: temporary ? 'temporary' : 'permanent',
          });
          model.workers.push(workerId);
          if (temporary) model.temporary.add(workerId);
          restarts.set(workerId, 0);
          alive.set(workerId, true);
        }
        leaves.push(model);
        leafSpecs.push({
          id,
          behaviour: createSupervisor({
            name: 'leaf',
            intensity: LEAF_INTENSITY,
            periodMs: PERIOD_MS,
            children,
          }),
        });
      }
      mids.push({
        id: `m${m}`,
        behaviour: createSupervisor({
          name: 'middle',
          intensity: 10_000,
          periodMs: PERIOD_MS,
          children: leafSpecs,
        }),
      });
    }
    const root = await startSupervisor(system, {
      id: 'root',
      intensity: 10_000,
      periodMs: PERIOD_MS,
      children: mids,
    });
    const allWorkers = [...restarts.keys()];
    expect(allWorkers).toHaveLength(1_000);

    // A few hot leaves take most of the crashes, so some of them run past their budget.
    const leafWeights = leaves.map((_, i) => (i % 23 === 0 ? 15 : 1));
    const expectedEscalations: string[] = [];
    let injected = 0;
    const calls = { issued: 0, resolved: 0, crashed: 0, otherwise: 0 };

    const crash = (leaf: LeafModel, target: string) => {
      injected++;
      if (leaf.temporary.has(target)) {
        alive.set(target, false);
        return;
      }
      leaf.crashesThisWindow++;
      if (leaf.crashesThisWindow > LEAF_INTENSITY) {
        // The leaf gives up: every child stops, its parent restarts it with fresh children.
        expectedEscalations.push(leaf.id);
        leaf.restarts++;
        leaf.crashesThisWindow = 0;
        for (const id of leaf.workers) {
          restarts.set(id, 0);
          alive.set(id, true);
        }
        return;
      }
      restarts.set(target, (restarts.get(target) as number) + 1);
    };

    for (let round = 0; round < ROUNDS; round++) {
      for (const leaf of leaves) leaf.crashesThisWindow = 0;
      for (let step = 0; step < STEPS; step++) {
        gate = newGate();
        for (let i = 0; i < 20; i++) system.send(random.pick(allWorkers), { type: 'work' });
        for (let i = 0; i < 5; i++) {
          calls.issued++;
          system.call(random.pick(allWorkers), { type: 'ping' }, { timeout: 5_000 }).then(
            () => calls.resolved++,
            (error: unknown) => {
              if (VarplaneError.isInstance(error, 'AGENT_CRASHED')) calls.crashed++;
              else calls.otherwise++;
            },
          );
        }
        // Let dispatch run: slow workers are now mid-message, waiting on the gate.
        await new Promise((resolve) => setImmediate(resolve));

        const leaf = random.pickWeighted(leaves, leafWeights);
        const target = random.pick(leaf.workers.filter((id) => alive.get(id)));
        if (random.chance(0.5))
          system.kill(target, { error: { name: 'ChaosError', message: 'killed' } });
        else system.send(target, { type: 'crash' });
        crash(leaf, target);

        gate.open();
        await system.whenIdle();
        await new Promise((resolve) => setImmediate(resolve));
        expect(calls.resolved + calls.crashed + calls.otherwise).toBe(calls.issued);
      }
      clock.advance(PERIOD_MS + 1);
    }

    // Every call settled, some by a crash mid-call; every permanent worker is running.
    expect(calls.resolved).toBeGreaterThan(2_000);
    expect(calls.crashed).toBeGreaterThan(0);
    for (const id of allWorkers) {
      const info = system.info(id);
      if (alive.get(id)) expect(info?.status, id).toBe('running');
      else expect(info, id).toBeUndefined();
      if (alive.get(id)) expect(info?.restarts, id).toBe(restarts.get(id));
    }
    const temporaryGone = allWorkers.filter((id) => !alive.get(id));
    expect(temporaryGone.every((id) => id.endsWith(`.w${WORKERS - 1}`))).toBe(true);

    // Escalations: exactly the leaves and moments the budget predicts, nowhere higher.
    expect(expectedEscalations.length).toBeGreaterThan(3);
    expect(escalations).toEqual(expectedEscalations);
    const tree = root.snapshot();
    expect(tree.restarts).toBe(0);
    for (const middle of tree.children ?? []) {
      expect(middle.restarts).toBe(0);
      for (const leafNode of middle.children ?? []) {
        const model = leaves.find((leaf) => leaf.id === leafNode.id) as LeafModel;
        expect(leafNode.restarts, leafNode.id).toBe(model.restarts);
        expect(leafNode.status).toBe('running');
      }
    }
    const restartTotal = [...restarts.values()].reduce((a, b) => a + b, 0);
    const escalated = expectedEscalations.length;
    expect(restartTotal).toBeGreaterThan(0);
    expect(injected).toBe(ROUNDS * STEPS);
    expect(escalated).toBeLessThan(injected);
  });
});
