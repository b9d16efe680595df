import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** One public entry point of a package: `@varplane/core` or `@varplane/consensus-raft/testing`. */
export interface EntryPoint {
  /** `core`, or `consensus-raft/testing` for a subpath. */
  readonly name: string;
  readonly specifier: string;
  readonly file: string;
}

/**
 * Subpaths left out, with why. Everything else a package's `exports` map names is fuzzed, so a new
 * entry point or export is fuzzed without anyone listing it.
 */
export const EXCLUDED_ENTRY_POINTS: Readonly<Record<string, string>> = {
  'core/internal':
    "helpers for varplane's own packages (parseOrThrow, toIssues...): not public, called only with valid arguments by siblings",
  'coordination/testing':
    'the conformance kit declares vitest suites; it can only run inside a vitest test file',
};

export const REPO_ROOT = join(new URL('.', import.meta.url).pathname, '../../..');

/** The published entry points of every package under `packages/`, from their `exports` maps. */
export function entryPoints(root = REPO_ROOT): EntryPoint[] {
  const found: EntryPoint[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const manifestPath = join(root, 'packages', dir, 'package.json');
    let manifest: { name: string; exports?: Record<string, unknown> };
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch {
      continue;
    }
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      if (subpath === './package.json' || typeof target !== 'object' || target === null) continue;
      const source = (target as Record<string, unknown>)['@varplane/source'];
      if (typeof source !== 'string') continue;
      const suffix = subpath === '.' ? '' : subpath.slice(1);
      const name = `${dir}${suffix}`;
      if (name in EXCLUDED_ENTRY_POINTS) continue;
      found.push({
        name,
        specifier: `${manifest.name}${suffix}`,
        file: join(root, 'packages', dir, source),
      });
    }
  }
  return found;
}

export async function loadEntryPoint(entry: EntryPoint): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(entry.file).href)) as Record<string, unknown>;
}

/** A callable found in an entry point: an export, a method of what an export returns. */
export interface Target {
  /** `core.createStrategyRegistry().register`, `coordination.builtinStrategies()[vickrey].propose`. */
  readonly id: string;
  /** The export or method name, as the valid-call table keys it. */
  readonly arity: number;
  /** Calls the target with `args`; methods get a fresh receiver first. */
  readonly call: (args: unknown[]) => unknown;
  /** Builds a fresh receiver for a method target (undefined for exports). */
  readonly receiver?: () => Promise<object>;
}

/** Any callable, as the fuzzer sees it. */
export type AnyFunction = (...args: unknown[]) => unknown;

export const isClass = (fn: AnyFunction): boolean => {
  try {
    return /^class\b/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
};

const isZodSchema = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && '_zod' in value;

const isObservable = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { subscribe?: unknown }).subscribe === 'function' &&
  typeof (value as { pipe?: unknown }).pipe === 'function';

/**
 * The methods of a value worth fuzzing: its function-valued properties (own and inherited, short of
 * `Object.prototype`), read through descriptors so no getter runs.
 */
export function methodsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || isZodSchema(value) || isObservable(value))
    return [];
  if (
    Array.isArray(value) ||
    ArrayBuffer.isView(value) ||
    [Error, Promise, Map, Set, WeakMap, WeakSet, Date, RegExp, ArrayBuffer].some(
      (type) => value instanceof type,
    )
  )
    return [];
  const names = new Set<string>();
  for (
    let proto: object | null = value;
    proto !== null && proto !== Object.prototype && proto !== Function.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor && typeof descriptor.value === 'function') names.add(key);
    }
  }
  return [...names].sort();
}

/** A label for an element of an array of receivers (a strategy by its name, else its index). */
export function elementLabel(value: unknown, index: number): string {
  if (typeof value === 'object' && value !== null) {
    const name = Object.getOwnPropertyDescriptor(value, 'name')?.value;
    if (typeof name === 'string') return name;
  }
  return String(index);
}
