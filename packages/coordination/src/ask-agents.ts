import {
  type AgentQuestion,
  type StrategyContext,
  type TimerHandle,
  VarplaneError,
} from '@varplane/core';
import { z } from 'zod';
import { checkOrThrow, invalid, parseOrThrow } from './internal/parse';
import { checkContext } from './internal/strategy-input';

/** What asking one agent came to. Asking never throws: silence and failure are answers too. */
export type AskOutcome =
  | { readonly ok: true; readonly answer: unknown }
  | {
      readonly ok: false;
      /** `timeout`: no answer in time; `error`: the agent or the port failed; `aborted`: the
       * strategy was abandoned; `unavailable`: the context has no agent port. */
      readonly reason: 'timeout' | 'error' | 'aborted' | 'unavailable';
      readonly error?: unknown;
    };

/** How long a live agent has to answer a strategy's question unless the strategy says otherwise. */
export const DEFAULT_ASK_TIMEOUT_MS = 1_000;
/** Node's timers fire at once past 2^31 - 1 ms: no longer wait can be kept. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const UNAVAILABLE: AskOutcome = { ok: false, reason: 'unavailable' };

/**
 * Asks one live agent through `context.agents`, and waits at most `timeoutMs` on the context's
 * clock (the port is given the same timeout; the clock is the guard against a port that hangs).
 * Resolves early when the context's signal fires.
 *
 * @example
 * const outcome = await askAgent(context, 'coder', { type: 'bid', item: 'gpu', round: 0 }, 500);
 * const bid = outcome.ok && typeof outcome.answer === 'number' ? outcome.answer : undefined;
 */
export function askAgent(
  context: StrategyContext,
  agent: string,
  question: AgentQuestion,
  timeoutMs: number,
): Promise<AskOutcome> {
  try {
    parseOrThrow(questionSchema, question, {
      subject: 'askAgent',
      code: 'INVALID_ARGUMENT',
      prefix: 'question',
    });
  } catch (error) {
    return Promise.reject(error);
  }
  return ask('askAgent', context, [agent], () => question, timeoutMs).then(
    (outcomes) => outcomes[0] as AskOutcome,
  );
}

/**
 * Asks several agents at once, each its own question, and returns their outcomes in the order of
 * `agents`. One abort listener serves the whole batch, so asking 20,000 agents costs linear time.
 */
export function askAgents(
  context: StrategyContext,
  agents: readonly string[],
  question: (agent: string) => AgentQuestion,
  timeoutMs: number,
): Promise<AskOutcome[]> {
  return ask('askAgents', context, agents, question, timeoutMs);
}

const questionSchema = z.looseObject({ type: z.string() });
const timeoutSchema = z.number().positive().max(MAX_TIMEOUT_MS);

function isAgentList(input: unknown): boolean {
  try {
    return Array.isArray(input) && input.every((agent) => typeof agent === 'string');
  } catch {
    return false;
  }
}

// Bad arguments reject, typed, like every other failure of a call that returns a promise.
function ask(
  subject: string,
  context: StrategyContext,
  agents: readonly string[],
  question: (agent: string) => AgentQuestion,
  timeoutMs: number,
): Promise<AskOutcome[]> {
  try {
    checkContext(subject, context);
    checkOrThrow(agents, isAgentList, z.array(z.string()), {
      subject,
      code: 'INVALID_ARGUMENT',
      prefix: subject === 'askAgent' ? 'agent' : 'agents',
    });
    if (typeof question !== 'function')
      invalid(subject, 'INVALID_ARGUMENT', 'question', 'must be a function of the agent', question);
    parseOrThrow(timeoutSchema, timeoutMs, {
      subject,
      code: 'INVALID_ARGUMENT',
      prefix: 'timeoutMs',
    });
  } catch (error) {
    return Promise.reject(error);
  }
  const port = context.agents;
  if (port === undefined) return Promise.resolve(agents.map(() => UNAVAILABLE));
  const signal = context.signal;
  if (signal.aborted) return Promise.resolve(agents.map(() => ({ ok: false, reason: 'aborted' })));
  // Asks still waiting, each with its finisher: the abort listener finishes them all.
  const pending = new Set<(outcome: AskOutcome) => void>();
  const onAbort = () => {
    const aborted: AskOutcome = { ok: false, reason: 'aborted', error: signal.reason };
    for (const finish of [...pending]) finish(aborted);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const asks = agents.map((agent) => askOne(context, port, agent, question, timeoutMs, pending));
  return Promise.all(asks).finally(() => signal.removeEventListener('abort', onAbort));
}

function askOne(
  context: StrategyContext,
  port: NonNullable<StrategyContext['agents']>,
  agent: string,
  question: (agent: string) => AgentQuestion,
  timeoutMs: number,
  pending: Set<(outcome: AskOutcome) => void>,
): Promise<AskOutcome> {
  return new Promise<AskOutcome>((resolve) => {
    let timer: TimerHandle | undefined;
    const finish = (outcome: AskOutcome) => {
      if (!pending.delete(finish)) return;
      if (timer !== undefined) context.clock.clearTimeout(timer);
      resolve(outcome);
    };
    pending.add(finish);
    let answer: Promise<unknown>;
    try {
      timer = context.clock.setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
      answer = Promise.resolve(port.ask(agent, question(agent), { timeout: timeoutMs }));
    } catch (error) {
      finish({ ok: false, reason: 'error', error });
      return;
    }
    answer.then(
      (value) => finish({ ok: true, answer: value }),
      (error: unknown) =>
        finish({
          ok: false,
          reason:
            VarplaneError.isInstance(error) && error.code.endsWith('TIMEOUT') ? 'timeout' : 'error',
          error,
        }),
    );
  });
}
