import {
  type AgentPort,
  type Clock,
  createRandom,
  type Random,
  type StrategyRegistry,
  systemClock,
} from '@varplane/core';
import { z } from 'zod';
import type { RunOptions } from './run-strategy';

/** Options every coordination operation takes. */
export interface OperationOptions {
  /** Where strategy names are looked up (default: the built-ins). */
  registry?: StrategyRegistry;
  /** Seeds a fresh random source when `random` is not given (default 0): runs replay. */
  seed?: number;
  random?: Random;
  /** Time for timeouts (default the system clock; tests pass a manual clock). */
  clock?: Clock;
  /** How long the strategy may run, in ms (default 5,000). */
  timeoutMs?: number;
  /** Live agents, for strategies that ask them (bids, votes, utilities). */
  agents?: AgentPort;
  /** Aborting it abandons the operation with `OPERATION_ABORTED`. */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 5_000;

const withMethods = <T>(what: string, methods: readonly string[]) =>
  z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    `must be ${what} (an object with ${methods.join(', ')})`,
  );

/** Zod fields for {@link OperationOptions}, to spread into each operation's options schema. */
export const operationOptionsShape = {
  registry: withMethods<StrategyRegistry>('a strategy registry', ['get', 'register']).optional(),
  seed: z.number().finite().optional(),
  random: withMethods<Random>('a Random', ['next', 'int', 'pick']).optional(),
  clock: withMethods<Clock>('a Clock', ['now', 'setTimeout', 'clearTimeout']).optional(),
  timeoutMs: z.number().int().positive().optional(),
  agents: withMethods<AgentPort>('an AgentPort', ['ask']).optional(),
  signal: z
    .custom<AbortSignal>((v) => v instanceof AbortSignal, 'must be an AbortSignal')
    .optional(),
};

export function runOptions(options: OperationOptions): RunOptions {
  return {
    clock: options.clock ?? systemClock,
    random: options.random ?? createRandom(options.seed ?? 0),
    agents: options.agents,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    signal: options.signal,
  };
}
