/**
 * The demo's software team, on the simulated language model: a planner, a coder per language, a
 * reviewer and a tester, coordinated by three orchestration variables. The simulation is tuned so
 * that the best team is known: each coder is best at its own language and at its own temperature,
 * relevant demos help, a star topology lets the planner route each task to its specialist, and a
 * token split that starves a coder makes it fail for real (the runtime enforces the budget).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  addOrchestrationVariable,
  agentSelection,
  type Clock,
  communicationTopology,
  createMultiAgentSpace,
  type JsonValue,
  type LanguageModel,
  type MultiAgentSpace,
  registerAgent,
  resourceAllocation,
} from '@varplane/core';
import {
  agentize,
  createSimulatedLanguageModel,
  type Example,
  example,
  languageModelFromEnv,
  predict,
  type TraceSink,
} from '@varplane/dspex-bridge';
import type { AnyBehaviour } from '@varplane/runtime';
import { instrumentLanguageModel, type RunLog } from '@varplane/telemetry';
import {
  createRunTraceSink,
  createRuntimeTeamRunner,
  type RunTraceSink,
  type TeamExample,
  type TeamMetric,
  type TeamRunner,
} from '@varplane/teleprompters';

export const LANGUAGES = ['python', 'typescript', 'rust'] as const;
export type Language = (typeof LANGUAGES)[number];

export const CODER_OF: Readonly<Record<Language, string>> = {
  python: 'python_coder',
  typescript: 'typescript_coder',
  rust: 'rust_coder',
};
export const CODERS: readonly string[] = Object.values(CODER_OF);
export const REASONERS = ['planner', ...CODERS, 'reviewer'] as const;

/** The temperature each coder answers best at, in the simulation. */
const SWEET_SPOT: Readonly<Record<string, number>> = {
  python_coder: 0.2,
  typescript_coder: 0.5,
  rust_coder: 0.8,
};

/** A small coding task per language, whose answer is checkable. */
const OPERATIONS: Readonly<
  Record<Language, { verb: string; solve: (a: number, b: number) => number }>
> = {
  python: { verb: 'sum', solve: (a, b) => a + b },
  typescript: { verb: 'product', solve: (a, b) => a * b },
  rust: { verb: 'max', solve: (a, b) => Math.max(a, b) },
};

const languageOf = (task: unknown): Language | undefined =>
  LANGUAGES.find((language) => String(task).startsWith(`${language}:`));

function solveTask(task: unknown): string | undefined {
  const language = languageOf(task);
  const numbers = String(task).match(/-?\d+/g)?.map(Number);
  if (language === undefined || numbers === undefined || numbers.length < 2) return undefined;
  return String(OPERATIONS[language].solve(numbers[0] as number, numbers[1] as number));
}

/** The task set: `perLanguage` tasks of each language, interleaved. Deterministic. */
export function codingTasks(perLanguage: number, offset = 0): Example[] {
  const out: Example[] = [];
  for (let i = offset; i < offset + perLanguage; i++) {
    for (const language of LANGUAGES) {
      const a = (i * 7 + 3) % 50;
      const b = (i * 11 + 5) % 50;
      const task = `${language}: write a function returning the ${OPERATIONS[language].verb} of ${a} and ${b}`;
      out.push(example({ task }, { answer: solveTask(task) as string }));
    }
  }
  return out;
}

export function toTeamExample(item: Example): TeamExample {
  return {
    input: item.inputs,
    expectedOutput: item.labels,
    taskType: languageOf(item.inputs.task) ?? 'unknown',
  };
}

/** The team's score on one task: the tester's verdict, 1 when the final answer is right. */
export const testerMetric: TeamMetric = (item, run) =>
  run.output !== undefined && String(run.output.answer) === String(item.expectedOutput?.answer);

/** The simulated model: each coder strong in its own language, everyone else middling. */
export function simulatedModel(seed: number, clock?: Clock): LanguageModel {
  const coderProfiles = Object.fromEntries(
    LANGUAGES.map((language) => {
      const coder = CODER_OF[language];
      return [
        coder,
        {
          all: {
            baseAccuracy: 0.25,
            optimalTemperature: SWEET_SPOT[coder] ?? 0.5,
            temperatureSensitivity: 3,
          },
          tasks: { [language]: { baseAccuracy: 0.8 } },
        },
      ];
    }),
  );
  return createSimulatedLanguageModel({
    seed,
    ...(clock === undefined ? {} : { clock }),
    tasks: LANGUAGES.map((language) => ({
      type: language,
      matches: (inputs: Readonly<Record<string, unknown>>) => languageOf(inputs.task) === language,
      solve: (inputs: Readonly<Record<string, unknown>>) => {
        const answer = solveTask(inputs.task);
        return answer === undefined ? undefined : { answer };
      },
      profile: { instructionKeywords: ['test', 'edge'], keywordBonus: 0.8, demoGain: 1.6 },
    })),
    agents: coderProfiles,
  });
}

/** The model the demo runs on: a real one when `VARPLANE_LM_*` is set, the simulation otherwise. */
export function demoModel(seed: number): { lm: LanguageModel; simulated: boolean } {
  const simulated = simulatedModel(seed);
  const lm = languageModelFromEnv({ fallback: () => simulated });
  return { lm, simulated: lm === simulated };
}

export interface SoftwareTeam {
  readonly space: MultiAgentSpace;
  readonly behaviours: Readonly<Record<string, AnyBehaviour>>;
  readonly runner: TeamRunner;
  /** Where the coders' traces go, by run: the runner takes its runs' share; others take theirs. */
  readonly traces: RunTraceSink;
}

export interface SoftwareTeamOptions {
  /**
   * The dashboard's run log: every coder turn and every LM call is copied into it, so the run view
   * shows each task's turns with their prompts, replies, tokens and latency.
   */
  readonly runLog?: RunLog;
  /**
   * Set before each run id in the run log, for a team whose run ids another team also uses (each
   * evaluation numbers its runs from 1): `scoring baseline` gives `scoring baseline:<runId>`.
   */
  readonly runLabel?: string;
}

const INSTRUCTIONS = [
  'Write the code and report its result.',
  'Write the code, test it on edge cases, and report its result.',
  'Answer quickly.',
];

/**
 * Builds the team: its programs as supervised agents, the orchestration variables, and a runner
 * that starts the candidate team on the runtime for every task.
 */
export function softwareTeam(
  lm: LanguageModel,
  demoPool: readonly Example[],
  options: SoftwareTeamOptions = {},
): SoftwareTeam {
  const traces = createRunTraceSink();
  const { runLog } = options;
  const logged = (runId: string) =>
    options.runLabel === undefined ? runId : `${options.runLabel}:${runId}`;
  // The run a coder is working on, so each LM call is logged with its run: the same coder works
  // in several runs at once when the optimizers evaluate candidate teams concurrently, and time
  // alone cannot tell whose call it was.
  const currentRun = new AsyncLocalStorage<string>();
  const model =
    runLog === undefined
      ? lm
      : instrumentLanguageModel(lm, {
          calls: {
            recordCall(call) {
              const runId = currentRun.getStore();
              runLog.recordCall(runId === undefined ? call : { ...call, runId: logged(runId) });
            },
          },
        });
  const coders = CODERS.map((agentId) =>
    agentize(
      predict('task -> answer', {
        name: agentId,
        lm: model,
        temperature: 1.1,
        instructionCandidates: INSTRUCTIONS,
        maxDemos: 3,
        demoPool,
      }),
      {
        agentId,
        role: 'executor',
        localVariables: ['temperature', 'instruction', 'demos'],
        trace: runLog === undefined ? traces : teeTraces(traces, runLog, logged),
      },
    ),
  );

  let space = createMultiAgentSpace({
    id: 'software_team',
    name: 'software team',
    topology: 'custom',
  });
  space = createSupportAgents(space);
  for (const coder of coders) space = coder.register(space);

  space = addOrchestrationVariable(
    space,
    agentSelection('coder_agent', {
      description: 'the coders on duty; the planner routes each task among them',
      agents: [...CODERS],
      default: ['python_coder'],
      constraints: { maxConcurrent: 2 },
    }),
  );
  space = addOrchestrationVariable(
    space,
    communicationTopology('reasoning_net', {
      description: 'how the planner, the coders on duty and the reviewer talk',
      agents: [...REASONERS],
      patterns: ['ring', 'star', 'mesh'],
      default: 'ring',
      hub: 'planner',
    }),
  );
  space = addOrchestrationVariable(
    space,
    resourceAllocation('token_split', {
      description: 'how the token budget of a task is split among the coders',
      agents: [...CODERS],
      resource: 'tokens',
      total: 1_500,
      default: 'equal',
      plans: {
        python_first: { python_coder: 0.8, typescript_coder: 0.1, rust_coder: 0.1 },
        typescript_first: { python_coder: 0.1, typescript_coder: 0.8, rust_coder: 0.1 },
      },
    }),
  );

  const behaviours: Record<string, AnyBehaviour> = { support: supportBehaviour };
  for (const coder of coders) {
    const behaviour = withFaultInjection(coder.behaviour as AnyBehaviour);
    behaviours[coder.config.behaviour] =
      runLog === undefined ? behaviour : withRunScope(behaviour, currentRun);
  }

  const runner = createRuntimeTeamRunner({
    behaviours,
    traces,
    task: async ({ running, example: item, configuration, runId, seed }) => {
      const onDuty = (configuration['team.coder_agent'] ??
        running.space$.value.orchestrationVariables.coder_agent?.value) as string[];
      const topology = String(
        configuration['team.reasoning_net'] ??
          running.space$.value.orchestrationVariables.reasoning_net?.value,
      );
      const failures: unknown[] = [];
      const ask = (coder: string) =>
        running
          .call(coder, {
            type: 'run',
            inputs: item.input,
            runId,
            rolloutId: `${runId}:${coder}`,
            seed,
          })
          .then((out) => String((out as { answer?: unknown }).answer))
          .catch((error: unknown) => {
            failures.push(error);
            return undefined;
          });
      const specialist = CODER_OF[item.taskType as Language];
      let answer: string | undefined;
      if (topology === 'star') {
        // The planner is the hub: it sends the task to the specialist when one is on duty.
        answer = await ask(onDuty.includes(specialist) ? specialist : (onDuty[0] as string));
      } else if (topology === 'ring') {
        // Passed around the ring: the first coder on duty answers, whatever the language.
        answer = await ask(onDuty[0] as string);
      } else {
        // Everyone on duty answers; the reviewer keeps the answer most of them gave.
        const answers = (await Promise.all(onDuty.map(ask))).filter((a) => a !== undefined);
        answer = majority(answers);
      }
      // A task no coder answered has failed (the run is counted as failed, not as answered).
      if (answer === undefined && failures.length > 0) throw failures[0];
      await running.call('reviewer', { type: 'review', answer });
      return answer === undefined ? undefined : { answer };
    },
  });
  return { space, behaviours, runner, traces };
}

/**
 * The runner's sink, with each trace copied into the run log as well. The run log is an observer:
 * one it refuses (it validates what it keeps) never fails the turn it watches.
 */
function teeTraces(
  traces: RunTraceSink,
  runLog: RunLog,
  logged: (runId: string) => string,
): TraceSink {
  return {
    record(trace) {
      traces.record(trace);
      try {
        runLog.record({ ...trace, runId: logged(trace.runId) });
      } catch {
        // The runner still has the trace; only the run view misses it.
      }
    },
  };
}

/**
 * Lets the demo break an agent on purpose: an `inject-fault` message makes it throw an unexpected
 * error, which its supervisor answers with a restart (a bad-input error would only be resumed).
 */
function withFaultInjection(behaviour: AnyBehaviour): AnyBehaviour {
  return {
    ...behaviour,
    handle(message, state, ctx) {
      if ((message as { type?: unknown }).type === 'inject-fault') {
        throw new Error(`injected fault in ${ctx.self.id}`);
      }
      return behaviour.handle(message, state, ctx);
    },
  };
}

/** Handles each message that names a run inside that run's scope (see `currentRun`). */
function withRunScope(
  behaviour: AnyBehaviour,
  currentRun: AsyncLocalStorage<string>,
): AnyBehaviour {
  return {
    ...behaviour,
    handle(message, state, ctx) {
      const runId = (message as { runId?: unknown }).runId;
      return typeof runId === 'string'
        ? currentRun.run(runId, () => behaviour.handle(message, state, ctx))
        : behaviour.handle(message, state, ctx);
    },
  };
}

function majority(answers: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const answer of answers) counts.set(answer, (counts.get(answer) ?? 0) + 1);
  let best: string | undefined;
  for (const [answer, count] of counts)
    if (best === undefined || count > (counts.get(best) ?? 0)) best = answer;
  return best;
}

const SUPPORT = [
  { id: 'planner', role: 'coordinator' },
  { id: 'reviewer', role: 'evaluator' },
  { id: 'tester', role: 'evaluator' },
] as const;

function createSupportAgents(space: MultiAgentSpace): MultiAgentSpace {
  let next = space;
  for (const { id, role } of SUPPORT) {
    next = registerAgent(next, { id, behaviour: 'support', role, interfaces: ['review', 'vote'] });
  }
  return next;
}

/** What the planner, reviewer and tester keep: answers seen, and their opinions on changes. */
interface SupportState {
  readonly id: string;
  readonly reviewed: number;
  readonly lastAnswer: JsonValue | undefined;
}

/**
 * The planner, reviewer and tester: they review answers and take part in agreements (preferences
 * for negotiations, votes for consensus) through the coordination port's questions.
 */
export const supportBehaviour: AnyBehaviour = {
  name: 'support',
  init: (args: unknown): SupportState => ({
    id: String((args as { agentId?: string } | undefined)?.agentId ?? 'support'),
    reviewed: 0,
    lastAnswer: undefined,
  }),
  handle(message: unknown, state: unknown, ctx) {
    const s = state as SupportState;
    const m = message as { type?: string; answer?: JsonValue; changes?: Record<string, unknown> };
    if (m.type === 'review') {
      if (ctx.isCall) ctx.reply({ reviewed: s.reviewed + 1 });
      return { ...s, reviewed: s.reviewed + 1, lastAnswer: m.answer };
    }
    if (m.type === 'vote' && ctx.isCall) {
      // The reviewer and tester want every task routed to a specialist; the planner agrees to
      // anything that keeps it the hub.
      const topology = m.changes?.reasoning_net;
      ctx.reply({ approve: topology === undefined || topology === 'star' || s.id === 'planner' });
      return s;
    }
    if (ctx.isCall) ctx.reply(null);
    return s;
  },
};
