/**
 * The live part of the demo: the team runs under supervision, a coder is made to crash while work
 * goes on and its supervisor heals it, the agents negotiate each coder's temperature, and they vote
 * a new topology in.
 */

import {
  createCoordinationRegistry,
  establishConsensus,
  negotiateValue,
} from '@varplane/coordination';
import {
  type MultiAgentSpace,
  type RuntimeEvent,
  setLocalConfiguration,
  setVariableValue,
} from '@varplane/core';
import { type RunningSpace, type SupervisionNode, startSpace } from '@varplane/runtime';
import type { Output } from './output';
import { CODERS, codingTasks, type SoftwareTeam } from './software-team';

export interface LiveReport {
  /** Tasks the coder answered; a task whose call failed is counted in `tasksFailed` instead. */
  readonly tasksDone: number;
  readonly tasksFailed: number;
  readonly crashes: number;
  readonly restarts: number;
  readonly negotiatedTemperatures: Readonly<Record<string, number>>;
  readonly consensus: { accepted: boolean; for: number; against: number };
  /** The team with the negotiated temperatures and the agreed topology. */
  readonly space: MultiAgentSpace;
  /** Stops the live team (it is left running for a dashboard until then). */
  stop(): Promise<void>;
}

/** What each agent would like a coder's temperature to be, and how much its say weighs. */
const TEMPERATURE_WISHES: Readonly<Record<string, { value: number; weight: number }>> = {
  reviewer: { value: 0.1, weight: 0.3 },
  planner: { value: 0.9, weight: 0.2 },
};
/** What each coder has found works for it. */
const OWN_WISH: Readonly<Record<string, number>> = {
  python_coder: 0.2,
  typescript_coder: 0.6,
  rust_coder: 1,
};

export async function runLiveTeam(
  team: SoftwareTeam,
  out: Output,
  options: {
    seed: number;
    /** Keep the team running after the scene (for the dashboard) until `stop()`. */
    keepRunning?: boolean;
    onStart?: (running: RunningSpace) => void | Promise<void>;
  },
): Promise<LiveReport> {
  const running = await startSpace(team.space, {
    behaviours: team.behaviours,
    statsIntervalMs: 200,
  });
  const seen: RuntimeEvent[] = [];
  let finished = false;
  let busy: Promise<void> | undefined;
  const stop = async () => {
    if (finished) return;
    finished = true;
    await busy;
    subscription.unsubscribe();
    await running.stop();
  };
  const subscription = running.events$.subscribe((event) => {
    if (finished) return;
    seen.push(event);
    if (event.type === 'agent-crashed')
      out.say(`    ! ${event.agent} crashed: ${event.error.message}`);
    if (event.type === 'agent-restarted')
      out.say(`    + ${event.agent} restarted by its supervisor (restart #${event.restarts})`);
  });
  try {
    await options.onStart?.(running);
    await running.startAgents();
    await running.coordinateAgents();
    out.say('  Supervision tree:');
    for (const line of treeLines(running.tree())) out.say(`    ${line}`);

    // Work flows to the coder on duty while one coder is made to crash mid-stream.
    out.say();
    out.say('  Work goes on while a fault is injected into python_coder:');
    const tasks = codingTasks(4, 100).filter((t) => String(t.inputs.task).startsWith('python'));
    let done = 0;
    let failed = 0;
    for (const [i, task] of tasks.entries()) {
      if (i === 1) running.send('python_coder', { type: 'inject-fault' });
      let shown: string;
      try {
        const reply = await running.call<{ answer: unknown }>('python_coder', {
          type: 'run',
          inputs: task.inputs,
          runId: `live-${i}`,
        });
        done += 1;
        shown = String(reply.answer);
      } catch (error) {
        failed += 1;
        shown = `(failed: ${(error as Error).message})`;
      }
      out.say(`    task ${i + 1}: ${String(task.inputs.task).slice(0, 58)}... -> ${shown}`);
      team.traces.take(`live-${i}`);
    }
    const crashes = seen.filter((e) => e.type === 'agent-crashed').length;
    const restarts = seen.filter((e) => e.type === 'agent-restarted').length;
    const coder = findNode(running.tree(), 'python_coder');
    out.say(
      `  python_coder is ${coder?.status ?? 'unknown'} after ${coder?.restarts ?? 0} restart(s); ${done} of ${tasks.length} tasks answered${failed > 0 ? `, ${failed} failed` : ''}.`,
    );

    // Each coder's temperature, negotiated by the coder, the reviewer and the planner.
    out.say();
    out.say(
      '  Temperatures negotiated with weighted_consensus (coder 0.5, reviewer 0.3, planner 0.2):',
    );
    const registry = createCoordinationRegistry();
    const negotiated: Record<string, number> = {};
    let space = team.space;
    for (const coderId of CODERS) {
      const preferences = [
        { agent: coderId, value: OWN_WISH[coderId] ?? 0.5, weight: 0.5 },
        ...Object.entries(TEMPERATURE_WISHES).map(([agent, wish]) => ({ agent, ...wish })),
      ];
      const { value } = await negotiateValue(`${coderId}.temperature`, preferences, {
        registry,
        strategy: 'weighted_consensus',
        constraints: { min: 0, max: 2, step: 0.01 },
        seed: options.seed,
      });
      negotiated[coderId] = value as number;
      const onDuty = running.space$.value.agents[coderId]?.status === 'active';
      if (onDuty)
        await running.call(coderId, { type: 'configure', configuration: { temperature: value } });
      space = setLocalConfiguration(space, coderId, {
        ...space.agents[coderId]?.localConfiguration,
        temperature: value,
      });
      out.say(`    ${coderId.padEnd(17)} ${String(value)}`);
    }

    // A system-wide change, agreed by the planner, reviewer and tester voting live.
    out.say();
    out.say(
      '  The reviewer proposes reasoning_net := star; the support agents vote (simple majority):',
    );
    const outcome = await establishConsensus(
      ['planner', 'reviewer', 'tester'],
      { reasoning_net: 'star' },
      {
        registry,
        algorithm: 'simple_majority',
        agents: running.agents,
        timeoutMs: 2_000,
      },
    );
    const accepted = 'reasoning_net' in outcome.accepted;
    out.say(
      `    for ${outcome.tally.for}, against ${outcome.tally.against}, absent ${outcome.tally.absent}: ${accepted ? 'accepted' : 'rejected'}`,
    );
    if (accepted) {
      await running.setVariable('reasoning_net', 'star');
      const edges = running.space$.value.coordinationGraph.edges.length;
      out.say(`    the running team is re-wired: star around the planner, ${edges} edges`);
    }
    const agreed = running.space$.value.orchestrationVariables.reasoning_net?.value;
    if (accepted) space = setVariableValue(space, 'reasoning_net', agreed);
    // A team kept up for the dashboard keeps working, so what it shows is a team at work.
    if (options.keepRunning === true) busy = keepBusy(running, team, () => finished);
    return {
      tasksDone: done,
      tasksFailed: failed,
      crashes,
      restarts,
      negotiatedTemperatures: negotiated,
      consensus: {
        accepted: accepted && agreed === 'star',
        for: outcome.tally.for,
        against: outcome.tally.against,
      },
      space,
      stop,
    };
  } finally {
    if (options.keepRunning !== true) await stop();
  }
}

/** A task's 1,500 tokens split equally among the three coders, as `token_split` does by default. */
const TASK_TOKENS = 500;

/**
 * Feeds coding tasks to whichever coder the selection has on duty, and each answer to the
 * reviewer, one task every `paceMs` until `stopped()`, so a dashboard has live work to show.
 */
async function keepBusy(
  running: RunningSpace,
  team: SoftwareTeam,
  stopped: () => boolean,
  paceMs = 100,
) {
  const tasks = codingTasks(20, 200);
  const books = running.system.resources;
  for (let i = 0; !stopped(); i++) {
    const task = tasks[i % tasks.length] as (typeof tasks)[number];
    // Each task brings its own token budget (the token split's share), as a run of the team does;
    // without it the coders would run through the scene's budget and be stopped for good.
    for (const coder of CODERS) {
      const held = books.holding(coder);
      if (held !== undefined) books.setLimits(coder, { tokens: held.tokensSpent + TASK_TOKENS });
    }
    try {
      const reply = await running.callSelected<{ answer: unknown }>('coder_agent', {
        type: 'run',
        inputs: task.inputs,
        runId: `busy-${i}`,
      });
      await running.call('reviewer', { type: 'review', answer: String(reply.answer) });
    } catch {
      // A failed task is the dashboard's to show (as a crash or an error); the work goes on.
    }
    // No runner takes these runs' traces (the dashboard's run log has its copy): drop them, so a
    // team left up for hours does not keep every trace.
    team.traces.take(`busy-${i}`);
    await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
}

function findNode(node: SupervisionNode, id: string): SupervisionNode | undefined {
  if (node.id === id) return node;
  for (const child of node.children ?? []) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return undefined;
}

function treeLines(node: SupervisionNode, depth = 0): string[] {
  const label = `${'  '.repeat(depth)}${node.id} (${node.kind}${node.strategy ? `, ${node.strategy}` : ''}) ${node.status}`;
  return [label, ...(node.children ?? []).flatMap((child) => treeLines(child, depth + 1))];
}
