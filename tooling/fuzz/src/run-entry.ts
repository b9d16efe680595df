/**
 * The fuzzing child process: fuzzes every target of one entry point and reports over fd 3, one
 * JSON line a message. It runs alone in its process so that a blocked event loop or a crash is
 * seen by the parent (see `supervise.ts`) and pinned on the target that caused it.
 */
import { writeSync } from 'node:fs';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import fc from 'fast-check';
import { buildFixtures, resolveFixtures } from './fixtures';
import {
  type CallRecipe,
  describeRecipe,
  hostileArgs,
  materialize,
  nearValidCalls,
} from './hostile';
import { KNOWN_FAILURES } from './known-failures';
import {
  activeResources,
  classifyThrown,
  describeThrown,
  extraResources,
  type Outcome,
  REPLAYABLE,
  restorePrototypes,
  snapshotPrototypes,
} from './outcome';
import {
  type AnyFunction,
  elementLabel,
  entryPoints,
  isClass,
  loadEntryPoint,
  methodsOf,
} from './targets';
import { validCallsFor } from './valid-calls';

export interface RunOptions {
  /** Entry points to fuzz, in order. */
  readonly entries: readonly string[];
  readonly runs: number;
  readonly seed: number;
  readonly deadlineMs: number;
  /** Index of the first target of the first entry (after a blocked or crashed child). */
  readonly from: number;
}

/** One distinct failure of a target, with the first input that showed it. */
export interface FailureRecord {
  readonly kind: string;
  readonly detail: string;
  count: number;
  readonly input: string;
  readonly recipe: CallRecipe;
}

export interface TargetReport {
  readonly id: string;
  inputs: number;
  ms: number;
  values: number;
  typed: number;
  failures: FailureRecord[];
  codes: Record<string, number>;
  /** Table problems: a valid call that did not return a value, a receiver that could not be made. */
  notes: string[];
}

export type ChildMessage =
  | { t: 'targets'; entry: string; ids: string[] }
  | { t: 'start'; entry: string; index: number; id: string }
  | { t: 'done'; entry: string; index: number; report: TargetReport }
  | { t: 'replay'; entry: string; target: string; outcome: string; got: Outcome }
  | { t: 'tick' }
  | { t: 'end' };

const send = (message: ChildMessage) => writeSync(3, `${JSON.stringify(message)}\n`);

/** After this many hangs a target's remaining runs are skipped: each one costs a deadline. */
const HANGS_BEFORE_GIVING_UP = 3;
const DISPOSERS = ['shutdown', 'close', 'stop', 'dispose', 'destroy', 'unsubscribe'];

interface Target {
  readonly id: string;
  readonly arity: number;
  readonly table: readonly (readonly unknown[])[];
  /** Makes the function to call for one run (a method is bound to a fresh receiver). */
  readonly prepare: () => Promise<(...args: unknown[]) => unknown>;
}

// Async failures seen since the last drain: attributed to the call that was running.
const asyncFailures: Outcome[] = [];
process.on('unhandledRejection', (reason) => {
  asyncFailures.push({ kind: 'unhandled-rejection', detail: describeThrown(reason) });
});
process.on('uncaughtException', (error) => {
  if (process.env.FUZZ_TRACE)
    process.stderr.write(`uncaught: ${describeThrown(error)} ${(error as Error)?.stack}\n`);
  asyncFailures.push({ kind: 'uncaught-exception', detail: describeThrown(error) });
});

// Everything a call returned, so timers and servers it owns can be stopped after the target.
let created: unknown[] = [];

async function settle(value: unknown, deadlineMs: number, keep = true): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'hang', detail: `no result after ${deadlineMs} ms` }),
      deadlineMs,
    );
  });
  const result = (async (): Promise<Outcome> => {
    try {
      // Only a promise is awaited: a thenable returned as a value (Random.pick of a list that holds
      // one) is the caller's own data, and awaiting it would run the caller's `then`.
      const awaited = value instanceof Promise ? await value : value;
      if (keep) created.push(awaited);
      return { kind: 'value', detail: '' };
    } catch (error) {
      return classifyThrown(error);
    }
  })();
  try {
    return await Promise.race([result, hang]);
  } finally {
    clearTimeout(timer);
  }
}

async function invoke(fn: (...args: unknown[]) => unknown, args: unknown[], deadlineMs: number) {
  let returned: unknown;
  try {
    returned = fn(...args);
  } catch (error) {
    return classifyThrown(error);
  }
  if (returned !== null && (typeof returned === 'object' || typeof returned === 'function')) {
    created.push(returned);
  }
  return settle(returned, deadlineMs);
}

async function dispose(values: unknown[], deadlineMs: number): Promise<void> {
  for (const value of [...new Set(values)]) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) continue;
    for (const name of DISPOSERS) {
      let method: unknown;
      try {
        method =
          Object.getOwnPropertyDescriptor(value, name)?.value ??
          (value as Record<string, unknown>)[name];
      } catch {
        break;
      }
      if (typeof method !== 'function') continue;
      try {
        await settle(method.call(value), deadlineMs, false);
      } catch {
        // A disposer that throws is fuzzed as a method target of its own.
      }
      break;
    }
  }
}

async function receiverFor(
  id: string,
  fn: AnyFunction,
  table: readonly (readonly unknown[])[],
  fixtures: ReturnType<typeof buildFixtures>,
  deadlineMs: number,
): Promise<unknown> {
  const args = resolveFixtures(table[0] ?? [], fixtures) as unknown[];
  const made = isClass(fn)
    ? new (fn as unknown as new (...a: unknown[]) => unknown)(...args)
    : fn(...args);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(made),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${id}: no receiver after ${deadlineMs} ms`)),
          deadlineMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function enumerate(
  entry: string,
  module: Record<string, unknown>,
  fixtures: ReturnType<typeof buildFixtures>,
  deadlineMs: number,
): Promise<Target[]> {
  const targets: Target[] = [];
  for (const name of Object.keys(module).sort()) {
    const value = module[name];
    const id = `${entry}.${name}`;
    if (typeof value === 'function') {
      const fn = value as (...args: unknown[]) => unknown;
      const cls = isClass(fn);
      const table = validCallsFor(id);
      targets.push({
        id,
        arity: fn.length,
        table,
        prepare: async () =>
          cls ? (...args) => new (fn as unknown as new (...a: unknown[]) => unknown)(...args) : fn,
      });
      let sample: unknown;
      try {
        sample = await receiverFor(id, fn, table, fixtures, deadlineMs);
      } catch {
        continue;
      }
      created.push(sample);
      const elements = Array.isArray(sample)
        ? sample.map((element, i) => ({ label: `[${elementLabel(element, i)}]`, element, i }))
        : [{ label: '', element: sample, i: -1 }];
      for (const { label, element, i } of elements) {
        for (const method of methodsOf(element)) {
          const kind = strategyKind(element);
          const methodId = `${id}()${label}.${method}`;
          targets.push({
            id: methodId,
            arity: ((element as Record<string, AnyFunction>)[method] as AnyFunction).length,
            table: validCallsFor(
              methodId,
              kind === undefined ? undefined : `strategy:${kind}.${method}`,
            ),
            prepare: async () => {
              const made = await receiverFor(id, fn, table, fixtures, deadlineMs);
              created.push(made);
              const receiver = (i >= 0 ? (made as unknown[])[i] : made) as Record<
                string,
                AnyFunction
              >;
              return (...args: unknown[]) =>
                (receiver[method] as AnyFunction).apply(receiver, args);
            },
          });
        }
      }
    } else {
      for (const method of methodsOf(value)) {
        const methodId = `${id}.${method}`;
        const receiver = value as Record<string, AnyFunction>;
        targets.push({
          id: methodId,
          arity: (receiver[method] as AnyFunction).length,
          table: validCallsFor(methodId),
          prepare:
            async () =>
            (...args: unknown[]) =>
              (receiver[method] as AnyFunction).apply(receiver, args),
        });
      }
    }
  }
  return targets;
}

function strategyKind(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const kind = Object.getOwnPropertyDescriptor(value, 'kind')?.value;
  const version = Object.getOwnPropertyDescriptor(value, 'specificationVersion')?.value;
  return typeof kind === 'string' && version !== undefined ? kind : undefined;
}

// A seed per target, so adding a target does not change the inputs of the others.
function seedFor(seed: number, id: string): number {
  let hash = seed | 0;
  for (let i = 0; i < id.length; i += 1) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return hash | 0;
}

/** Runs one call of `target` with `recipe` and returns every failure it caused. */
async function runOne(
  target: Target,
  recipe: CallRecipe,
  fixtures: ReturnType<typeof buildFixtures>,
  deadlineMs: number,
): Promise<Outcome[]> {
  const valid = () => resolveFixtures(target.table[recipe.call] ?? [], fixtures) as unknown[];
  let args: unknown[];
  try {
    args = recipe.args.map((r) => materialize(r, valid));
  } catch (error) {
    return [
      { kind: 'value', detail: `the valid-call table is wrong here: ${describeThrown(error)}` },
    ];
  }
  const before = snapshotPrototypes();
  let fn: (...args: unknown[]) => unknown;
  try {
    fn = await target.prepare();
  } catch (error) {
    return [{ kind: 'value', detail: `receiver failed: ${describeThrown(error)}` }];
  }
  if (process.env.FUZZ_TRACE)
    process.stderr.write(`${target.id}(${recipe.args.map(describeRecipe).join(', ')})\n`);
  send({ t: 'tick' });
  const outcome = await invoke(fn, args, deadlineMs);
  await nextMacrotask();
  const outcomes = [outcome, ...asyncFailures.splice(0)];
  const polluted = restorePrototypes(before);
  if (polluted.length > 0)
    outcomes.push({ kind: 'prototype-pollution', detail: polluted.join(', ') });
  return outcomes;
}

async function fuzzTarget(
  target: Target,
  options: RunOptions,
  fixtures: ReturnType<typeof buildFixtures>,
): Promise<TargetReport> {
  const started = performance.now();
  const report: TargetReport = {
    id: target.id,
    ms: 0,
    inputs: 0,
    values: 0,
    typed: 0,
    failures: [],
    codes: {},
    notes: [],
  };
  const baseline = activeResources();
  created = [];
  let hangs = 0;
  const record = (recipe: CallRecipe, outcome: Outcome, first: boolean) => {
    if (outcome.kind === 'value') {
      if (first) report.values += 1;
      if (outcome.detail !== '') report.notes.push(outcome.detail);
      return;
    }
    if (outcome.kind === 'typed') {
      if (first) report.typed += 1;
      report.codes[outcome.detail] = (report.codes[outcome.detail] ?? 0) + 1;
      return;
    }
    if (outcome.kind === 'hang') hangs += 1;
    const known = report.failures.find(
      (f) => f.kind === outcome.kind && f.detail === outcome.detail,
    );
    if (known) known.count += 1;
    else
      report.failures.push({
        kind: outcome.kind,
        detail: outcome.detail,
        count: 1,
        input: `(${recipe.args.map(describeRecipe).join(', ')})`,
        recipe,
      });
  };
  // Each valid call once, as written: a table entry that does not give a value is a table bug.
  for (const [call, valid] of target.table.entries()) {
    const recipe: CallRecipe = { call, args: valid.map((_, arg) => ({ k: 'valid', arg })) };
    const outcomes = await runOne(target, recipe, fixtures, options.deadlineMs);
    report.inputs += 1;
    const [first] = outcomes;
    if (first && first.kind !== 'value')
      report.notes.push(`valid call ${call} gave ${first.kind} ${first.detail}`);
    for (const [i, o] of outcomes.entries()) record(recipe, o, i === 0);
  }
  const hostile = hostileArgs(Math.max(target.arity, ...target.table.map((c) => c.length), 1));
  const nearValid = nearValidCalls(target.table);
  const calls =
    nearValid === undefined
      ? hostile
      : fc.oneof({ weight: 1, arbitrary: hostile }, { weight: 2, arbitrary: nearValid });
  await fc.check(
    fc.asyncProperty(calls, async (recipe) => {
      if (hangs >= HANGS_BEFORE_GIVING_UP) return true;
      const outcomes = await runOne(target, recipe, fixtures, options.deadlineMs);
      report.inputs += 1;
      for (const [i, o] of outcomes.entries()) record(recipe, o, i === 0);
      return true;
    }),
    { seed: seedFor(options.seed, target.id), numRuns: options.runs },
  );
  if (hangs >= HANGS_BEFORE_GIVING_UP) report.notes.push(`stopped after ${hangs} hangs`);
  await dispose(created, options.deadlineMs);
  created = [];
  // Give timers a moment to finish; what still keeps the loop alive after that was left open.
  let extra = extraResources(baseline, activeResources());
  for (let waited = 0; extra.length > 0 && waited < 1000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    extra = extraResources(baseline, activeResources());
  }
  if (extra.length > 0) {
    report.failures.push({
      kind: 'open-handle',
      detail: extra.join(', '),
      count: 1,
      input: 'after every run and disposing what the calls returned',
      recipe: { call: 0, args: [] },
    });
  }
  for (const late of asyncFailures.splice(0)) record({ call: 0, args: [] }, late, false);
  report.ms = Math.round(performance.now() - started);
  return report;
}

async function fuzzEntry(
  entry: string,
  from: number,
  options: RunOptions,
  modules: Record<string, Record<string, unknown>>,
  fixtures: ReturnType<typeof buildFixtures>,
): Promise<void> {
  const module = modules[entry];
  if (module === undefined) throw new Error(`no entry point ${entry}`);
  const targets = await enumerate(entry, module, fixtures, options.deadlineMs);
  await dispose(created, options.deadlineMs);
  created = [];
  send({ t: 'targets', entry, ids: targets.map((t) => t.id) });
  if (from === 0) {
    const replayable = KNOWN_FAILURES.filter(
      (k) => k.target.startsWith(`${entry}.`) && REPLAYABLE.includes(k.outcome as never),
    );
    for (const known of replayable) {
      const target = targets.find((t) => t.id === known.target);
      let got: Outcome = { kind: 'value', detail: 'no such target' };
      if (target !== undefined) {
        const outcomes = await runOne(target, known.input, fixtures, options.deadlineMs);
        // Async failures (a timer that throws, a late rejection) may come a moment later.
        await new Promise((resolve) => setTimeout(resolve, 20));
        outcomes.push(...asyncFailures.splice(0));
        got = outcomes.find((o) => o.kind === known.outcome) ?? outcomes[0] ?? got;
        await dispose(created, options.deadlineMs);
        created = [];
      }
      send({ t: 'replay', entry, target: known.target, outcome: known.outcome, got });
    }
  }
  for (let index = from; index < targets.length; index += 1) {
    const target = targets[index] as Target;
    if (process.env.FUZZ_ONLY && !target.id.includes(process.env.FUZZ_ONLY)) continue;
    send({ t: 'start', entry, index, id: target.id });
    send({ t: 'done', entry, index, report: await fuzzTarget(target, options, fixtures) });
  }
}

async function main(options: RunOptions): Promise<void> {
  const modules: Record<string, Record<string, unknown>> = {};
  for (const entry of entryPoints()) modules[entry.name] = await loadEntryPoint(entry);
  const fixtures = buildFixtures(modules);
  for (const [i, entry] of options.entries.entries()) {
    await fuzzEntry(entry, i === 0 ? options.from : 0, options, modules, fixtures);
  }
  send({ t: 'end' });
  // Open handles were checked target by target; whatever a hung call left behind must not keep
  // the child alive.
  process.exit(0);
}

const [entries = '', runs = '10', seed = '1', deadlineMs = '500', from = '0'] =
  process.argv.slice(2);
main({
  entries: entries.split(','),
  runs: Number(runs),
  seed: Number(seed),
  deadlineMs: Number(deadlineMs),
  from: Number(from),
}).catch((error) => {
  process.stderr.write(
    `fuzz child failed: ${describeThrown(error)}\n${(error as Error)?.stack ?? ''}\n`,
  );
  process.exitCode = 2;
});
