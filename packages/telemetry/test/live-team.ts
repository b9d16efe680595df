import {
  type Clock,
  createManualClock,
  createMultiAgentSpace,
  createRandom,
  type LanguageModel,
  type ManualClock,
  type MultiAgentSpace,
  registerAgent,
} from '@varplane/core';
import { type Behaviour, type RunningSpace, startSpace } from '@varplane/runtime';
import { instrumentLanguageModel, type UsageSink } from '../src/genai-tracing';

/**
 * What a worker of the live team is told to do. Every field is optional: a directive the space
 * sends, or `{}`, is one unit of instant work.
 */
export interface Work {
  /** Milliseconds of clock time the work takes. */
  ms?: number;
  /** Throw: the agent crashes and its supervisor restarts it. */
  fail?: boolean;
  /** Never finish: the agent is stuck until something restarts it. */
  hang?: boolean;
  /** Ask the (simulated) language model, spending this many tokens. */
  tokens?: number;
  /** Milliseconds of clock time the model takes to answer. */
  lmMs?: number;
  /** Then broadcast `{}` (instant work) this many times to the agent's neighbours. */
  broadcast?: number;
}

/** The sink instrumented models report to; the test points it at its monitor. */
export interface SinkRef {
  current: UsageSink | undefined;
}

// A deterministic language model: the usage and latency the message asks for.
function simulatedModel(clock: Clock): LanguageModel {
  return {
    specificationVersion: 'v1',
    provider: 'simulated',
    modelId: 'sim-1',
    async generate(request) {
      const { tokens, ms } = JSON.parse(request.messages[0]?.content ?? '{}') as {
        tokens: number;
        ms: number;
      };
      if (ms > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
      const input = Math.round(tokens * 0.8);
      return {
        text: 'ok',
        finishReason: 'stop',
        usage: {
          inputTokens: input,
          outputTokens: tokens - input,
          totalTokens: tokens,
          cost: tokens * 1e-6,
        },
        modelId: 'sim-1',
      };
    },
  };
}

export function worker(sink: SinkRef): Behaviour<number, Work> {
  const models = new Map<string, LanguageModel>();
  const modelFor = (agent: string, clock: Clock) => {
    let model = models.get(agent);
    if (model === undefined) {
      // Each agent is charged for its own calls.
      const forwarding: UsageSink = {
        recordUsage: (a, u) => sink.current?.recordUsage(a, u),
        record: (m, v) => sink.current?.record(m, v),
      };
      model = instrumentLanguageModel(simulatedModel(clock), { agent, monitor: forwarding, clock });
      models.set(agent, model);
    }
    return model;
  };
  return {
    name: 'worker',
    init: () => 0,
    async handle(work, done, ctx) {
      if (work.ms !== undefined)
        await new Promise<void>((resolve) => ctx.clock.setTimeout(resolve, work.ms as number));
      if (work.hang) await new Promise<void>(() => {});
      if (work.fail) throw new Error('worker failed');
      if (work.tokens !== undefined) {
        const content = JSON.stringify({ tokens: work.tokens, ms: work.lmMs ?? 0 });
        await modelFor(ctx.self.id, ctx.clock).generate({ messages: [{ role: 'user', content }] });
        ctx.spend({ tokens: work.tokens });
      }
      for (let i = 0; i < (work.broadcast ?? 0); i++) ctx.broadcast({});
      return done + 1;
    },
  };
}

export interface LiveTeam {
  readonly clock: ManualClock;
  readonly running: RunningSpace;
  readonly sink: SinkRef;
  /** Moves the clock by `ms` in 10 ms steps, letting the agents run between steps. */
  pump(ms: number): Promise<void>;
  /** Sends `count` copies of `work` to `agent`. */
  send(agent: string, count: number, work?: Work): void;
  stop(): Promise<void>;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A space of `agents` running real supervised workers on a manual clock. */
export async function startLiveTeam(
  agents: readonly string[],
  shape: (space: MultiAgentSpace) => MultiAgentSpace = (s) => s,
): Promise<LiveTeam> {
  const clock = createManualClock(Date.UTC(2026, 0, 1, 9, 0, 0));
  let space = createMultiAgentSpace({
    id: 'live_team',
    name: 'Live team',
    topology: 'star',
    hub: agents[0] as string,
    faultRecovery: { maxRestarts: 50, periodMs: 60_000 },
    resourcePool: { tokens: 1_000_000 },
  });
  for (const id of agents)
    space = registerAgent(space, {
      id,
      behaviour: 'worker',
      role: id === agents[0] ? 'coordinator' : 'executor',
    });
  space = shape(space);
  const sink: SinkRef = { current: undefined };
  const running = await startSpace(space, {
    behaviours: { worker: worker(sink) },
    clock,
    random: createRandom(7),
    statsIntervalMs: 0,
  });
  await running.startAgents();
  return {
    clock,
    running,
    sink,
    async pump(ms) {
      for (let t = 0; t < ms; t += 10) {
        clock.advance(10);
        await flush();
      }
    },
    send(agent, count, work = {}) {
      for (let i = 0; i < count; i++) running.send(agent, work);
    },
    async stop() {
      const stopping = running.stop();
      // Stopping waits on shutdown timeouts measured on the manual clock.
      for (
        let i = 0;
        i < 100 && !(await Promise.race([stopping.then(() => true), flush().then(() => false)]));
        i++
      ) {
        clock.advance(100);
      }
      await stopping;
    },
  };
}
