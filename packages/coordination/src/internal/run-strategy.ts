import {
  type AgentPort,
  type Clock,
  type Random,
  type Strategy,
  type StrategyContext,
  type TimerHandle,
  VarplaneError,
} from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import type { z } from 'zod';
import { StrategyExecutionError } from '../errors';

export interface RunOptions {
  clock: Clock;
  random: Random;
  agents?: AgentPort | undefined;
  /** How long an asynchronous strategy may take before it is abandoned. */
  timeoutMs: number;
  /** The caller's signal: aborting it abandons the strategy too. */
  signal?: AbortSignal | undefined;
}

export function strategyLabel(strategy: Strategy): string {
  return `${strategy.kind}/${strategy.name}`;
}

function failure(strategy: Strategy, error: unknown): VarplaneError {
  // A plugin that throws a typed error (an infeasible auction, a missing quorum) means it.
  if (VarplaneError.isInstance(error)) return error;
  const text = error instanceof Error ? error.message : describeValue(error);
  return new StrategyExecutionError({
    code: 'STRATEGY_FAILED',
    message: `${strategy.kind} strategy ${describeValue(strategy.name)} threw: ${text}`,
    cause: error,
    strategy: strategyLabel(strategy),
  });
}

/**
 * Calls one strategy method, contained: a throw becomes `STRATEGY_FAILED` (typed errors pass
 * through), a promise that outlives `timeoutMs` on the injected clock becomes `STRATEGY_TIMEOUT`,
 * and the caller's abort becomes `OPERATION_ABORTED`. In the last two cases the strategy's own
 * signal fires so it can stop. A promise the strategy settles late is still observed, so it never
 * surfaces as an unhandled rejection. A synchronous result costs no timer.
 */
export function runStrategy<T>(
  strategy: Strategy,
  call: (context: StrategyContext) => T | PromiseLike<T>,
  options: RunOptions,
): Promise<T> {
  const controller = new AbortController();
  const label = strategyLabel(strategy);
  const aborted = () =>
    new StrategyExecutionError({
      code: 'OPERATION_ABORTED',
      message: `${strategy.kind} strategy ${describeValue(strategy.name)}: the caller aborted`,
      cause: options.signal?.reason,
      strategy: label,
    });
  if (options.signal?.aborted) {
    const error = aborted();
    controller.abort(error);
    return Promise.reject(error);
  }
  const context: StrategyContext =
    options.agents === undefined
      ? { random: options.random, clock: options.clock, signal: controller.signal }
      : {
          random: options.random,
          clock: options.clock,
          signal: controller.signal,
          agents: options.agents,
        };

  let out: T | PromiseLike<T>;
  try {
    out = call(context);
  } catch (error) {
    return Promise.reject(failure(strategy, error));
  }
  if (!isPromiseLike(out)) return Promise.resolve(out);

  const pending = out;
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    let timer: TimerHandle | undefined;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      settle();
    };
    const giveUp = (error: VarplaneError) => {
      controller.abort(error);
      finish(() => reject(error));
    };
    const onAbort = () => giveUp(aborted());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    timer = options.clock.setTimeout(
      () =>
        giveUp(
          new StrategyExecutionError({
            code: 'STRATEGY_TIMEOUT',
            message: `${strategy.kind} strategy ${describeValue(strategy.name)} did not finish within ${options.timeoutMs} ms`,
            strategy: label,
          }),
        ),
      options.timeoutMs,
    );
    Promise.resolve(pending).then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(failure(strategy, error))),
    );
  });
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Checks what a strategy returned against `schema`; a mismatch is `STRATEGY_INVALID_RESULT`, naming
 * the strategy, the field path and the value.
 */
export function checkResult<S extends z.ZodType>(
  strategy: Strategy,
  schema: S,
  result: unknown,
): z.output<S> {
  const parsed = schema.safeParse(result, { reportInput: true });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => {
      const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(result)';
      const got = 'input' in issue ? ` (got ${describeValue(issue.input)})` : '';
      return `${path}: ${issue.message}${got}`;
    })
    .join('; ');
  throw invalidResult(strategy, problems);
}

/** `STRATEGY_INVALID_RESULT` for a problem found in a strategy's result. */
export function invalidResult(strategy: Strategy, problem: string): StrategyExecutionError {
  return new StrategyExecutionError({
    code: 'STRATEGY_INVALID_RESULT',
    message: `${strategy.kind} strategy ${describeValue(strategy.name)} returned an invalid result: ${problem}`,
    strategy: strategyLabel(strategy),
  });
}
