/**
 * The baseline a practitioner reaches for beside random search: successive halving over random
 * proposals. Random teams run on a mini-batch each; the better half runs on twice as many
 * examples; and so on, until one is left or the budget is spent. The metric-call budget is the
 * same as the optimizers' (every run counts), and the survivor's mean over all its runs decides.
 */
import { createRandom, type JsonValue } from '@varplane/core';
import { createTeamSpace, type TeamRunner } from '../src';
import type { GeneratedTask } from './generated-tasks';

export async function successiveHalving(
  task: GeneratedTask,
  runner: TeamRunner,
  seed: number,
  budget: number,
  batch: number,
): Promise<Record<string, JsonValue>> {
  const team = createTeamSpace(task.space);
  const random = createRandom(seed * 7 + 1);
  const examples = [...task.trainset, ...task.valset];
  const order = random.shuffle(examples.map((_, i) => i));
  // Rungs of n, n/2, n/4 ... candidates, each rung costing about n x batch runs.
  const rungs = Math.max(1, Math.floor(Math.log2(budget / batch / 4)));
  const n = Math.max(2, Math.floor(budget / batch / rungs));
  let field = [
    { configuration: team.current, scores: [] as number[] },
    ...Array.from({ length: n - 1 }, () => ({
      configuration: team.variables.sample(random),
      scores: [] as number[],
    })),
  ];
  const signal = new AbortController().signal;
  let used = 0;
  let cursor = 0;
  let size = batch;
  while (field.length > 1 && used < budget) {
    const perCandidate = Math.min(size, Math.floor((budget - used) / field.length));
    if (perCandidate === 0) break;
    const indices = Array.from(
      { length: perCandidate },
      (_, k) => order[(cursor + k) % order.length] as number,
    );
    cursor += perCandidate;
    await Promise.all(
      field.map(async (entry) => {
        for (const index of indices) {
          const example = examples[index] as (typeof examples)[number];
          const run = await runner.run({
            space: task.space,
            configuration: entry.configuration,
            example,
            exampleIndex: index,
            seed: random.int(0, 0x7fffffff),
            runId: `halving-${used++}`,
            limits: {},
            faults: [],
            signal,
          });
          entry.scores.push((await task.metric(example, run)) ? 1 : 0);
        }
      }),
    );
    const mean = (scores: readonly number[]) => scores.reduce((a, b) => a + b, 0) / scores.length;
    field = [...field]
      .sort((a, b) => mean(b.scores) - mean(a.scores))
      .slice(0, Math.max(1, Math.ceil(field.length / 2)));
    size *= 2;
  }
  return field[0]?.configuration as Record<string, JsonValue>;
}
