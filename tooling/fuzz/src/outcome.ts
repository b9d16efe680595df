import { HOSTILE_ERROR } from './hostile';

/** What one call came to. Anything but `value` and `typed` is a failure. */
export type OutcomeKind =
  | 'value'
  | 'typed'
  | 'untyped-throw'
  | 'unstable-code'
  | 'hang'
  | 'unhandled-rejection'
  | 'uncaught-exception'
  | 'prototype-pollution'
  | 'open-handle'
  | 'process-blocked'
  | 'process-crash';

export const FAILURE_KINDS: readonly OutcomeKind[] = [
  'untyped-throw',
  'unstable-code',
  'hang',
  'unhandled-rejection',
  'uncaught-exception',
  'prototype-pollution',
  'open-handle',
  'process-blocked',
  'process-crash',
];

/**
 * Failures one call shows, so a known failure's input can be replayed. The others (a handle left
 * after all the runs, a blocked or crashed process) belong to a whole target's runs: a known one
 * counts as fixed when a full `pnpm fuzz` run no longer shows it.
 */
export const REPLAYABLE: readonly OutcomeKind[] = [
  'untyped-throw',
  'unstable-code',
  'hang',
  'unhandled-rejection',
  'uncaught-exception',
  'prototype-pollution',
];

export interface Outcome {
  readonly kind: OutcomeKind;
  /** The error code of a typed error; what was thrown or left over for a failure. */
  readonly detail: string;
}

const STABLE_CODE = /^[A-Z][A-Z0-9_]*$/;
const marker = Symbol.for('varplane.error');

/** A short description of a thrown value that never throws itself. */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) {
      const message =
        error.message === HOSTILE_ERROR ? 'the hostile input’s own error escaped' : error.message;
      return `${error.name}: ${message.split('\n')[0]?.slice(0, 140)}`;
    }
    if (typeof error === 'string') return `a string: ${JSON.stringify(error.slice(0, 80))}`;
    if (error === null || typeof error !== 'object') return `a ${typeof error}: ${String(error)}`;
    return `an object: ${Object.prototype.toString.call(error)}`;
  } catch {
    return 'a value that cannot be described';
  }
}

/** A VarplaneError with a stable code is `typed`; any other throw is a failure. */
export function classifyThrown(error: unknown): Outcome {
  try {
    if (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[marker] === true
    ) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && STABLE_CODE.test(code))
        return { kind: 'typed', detail: code };
      return { kind: 'unstable-code', detail: `code ${String(code)}: ${describeThrown(error)}` };
    }
  } catch {
    // A thrown Proxy: not a varplane error.
  }
  return { kind: 'untyped-throw', detail: describeThrown(error) };
}

const WATCHED = [Object.prototype, Array.prototype, Function.prototype, String.prototype];

type Snapshot = Map<PropertyKey, PropertyDescriptor>[];

/** The own properties of the built-in prototypes, to see whether a call polluted one. */
export function snapshotPrototypes(): Snapshot {
  return WATCHED.map((proto) => {
    const entries = new Map<PropertyKey, PropertyDescriptor>();
    for (const key of Reflect.ownKeys(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, key);
      if (descriptor) entries.set(key, descriptor);
    }
    return entries;
  });
}

/** Names what changed since `before` and puts the prototypes back as they were. */
export function restorePrototypes(before: Snapshot): string[] {
  const changed: string[] = [];
  WATCHED.forEach((proto, i) => {
    const kept = before[i] as Map<PropertyKey, PropertyDescriptor>;
    const label = ['Object', 'Array', 'Function', 'String'][i];
    for (const key of Reflect.ownKeys(proto)) {
      const now = Object.getOwnPropertyDescriptor(proto, key);
      const was = kept.get(key);
      if (was === undefined) {
        changed.push(`${label}.prototype.${String(key)} added`);
        delete (proto as Record<PropertyKey, unknown>)[key];
      } else if (now && (now.value !== was.value || now.get !== was.get || now.set !== was.set)) {
        changed.push(`${label}.prototype.${String(key)} changed`);
        Object.defineProperty(proto, key, was);
      }
    }
    for (const [key, was] of kept) {
      if (!Object.hasOwn(proto, key)) {
        changed.push(`${label}.prototype.${String(key)} removed`);
        Object.defineProperty(proto, key, was);
      }
    }
  });
  return changed;
}

/** Resources keeping the event loop alive, counted by type. */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo())
    counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/** What `now` holds beyond `baseline`: `Timeout x2, TCPServerWrap`. */
export function extraResources(baseline: Map<string, number>, now: Map<string, number>): string[] {
  const extra: string[] = [];
  for (const [type, count] of now) {
    const over = count - (baseline.get(type) ?? 0);
    if (over > 0) extra.push(over === 1 ? type : `${type} x${over}`);
  }
  return extra.sort();
}
