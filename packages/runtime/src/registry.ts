import { type AgentRef, InvalidArgumentError, VarplaneError } from '@varplane/core';
import { describeValue } from '@varplane/core/internal';
import { z } from 'zod';
import { NameTakenError } from './errors';
import { parseOrThrow } from './internal/parse';
import { toTarget } from './internal/target';

/**
 * Names for agents, like OTP's registered names: `whereis('planner')` finds the agent without
 * holding its ref. A name is held until it is unregistered or its agent stops for good; a
 * restart keeps it.
 */
export interface NameRegistry {
  /** Throws `NAME_TAKEN` when another agent holds the name. Registering again is a no-op. */
  register(name: string, ref: AgentRef): void;
  unregister(name: string): void;
  whereis(name: string): AgentRef | undefined;
  /** The names `agentId` holds. */
  namesOf(agentId: string): readonly string[];
  /** Drops every name `agentId` holds. */
  forget(agentId: string): void;
  /** Every name and its ref. */
  entries(): ReadonlyArray<readonly [string, AgentRef]>;
}

function checkString(operation: string, field: string, value: unknown): asserts value is string {
  if (typeof value === 'string') return;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: ${field} must be a string (got ${describeValue(value)})`,
    issues: [{ path: field, message: 'must be a string', value }],
  });
}

/** A ref read once into `{ id, node }` (a kernel's own ref as is); ids alone are not refs here. */
function checkRef(operation: string, ref: unknown): AgentRef {
  const target = typeof ref === 'string' ? undefined : toTarget(ref, `${operation}: ref`);
  if (typeof target === 'object' && typeof target.node === 'string') return target;
  throw new InvalidArgumentError({
    code: 'INVALID_ARGUMENT',
    message: `${operation}: ref must be an agent ref { id, node } (got ${describeValue(ref)})`,
    issues: [{ path: 'ref', message: 'expected an agent ref', value: ref }],
  });
}

export function createNameRegistry(): NameRegistry {
  const byName = new Map<string, AgentRef>();
  const byAgent = new Map<string, string[]>();

  const unregister = (name: string) => {
    const ref = byName.get(name);
    if (ref === undefined) return;
    byName.delete(name);
    const names = byAgent.get(ref.id);
    if (names === undefined) return;
    const rest = names.filter((held) => held !== name);
    if (rest.length === 0) byAgent.delete(ref.id);
    else byAgent.set(ref.id, rest);
  };

  return {
    register(name, given) {
      checkString('register', 'name', name);
      const ref = checkRef('register', given);
      const holder = byName.get(name);
      if (holder !== undefined) {
        if (holder.id === ref.id && holder.node === ref.node) return;
        throw new NameTakenError(name, holder.id);
      }
      byName.set(name, ref);
      const names = byAgent.get(ref.id);
      if (names === undefined) byAgent.set(ref.id, [name]);
      else names.push(name);
    },
    unregister(name) {
      checkString('unregister', 'name', name);
      unregister(name);
    },
    whereis(name) {
      checkString('whereis', 'name', name);
      return byName.get(name);
    },
    namesOf(agentId) {
      checkString('namesOf', 'agentId', agentId);
      return byAgent.get(agentId) ?? [];
    },
    forget(agentId) {
      checkString('forget', 'agentId', agentId);
      for (const name of byAgent.get(agentId) ?? []) byName.delete(name);
      byAgent.delete(agentId);
    },
    entries: () => [...byName.entries()],
  };
}

/**
 * Where `whereis` looks for a name that is not registered here: `@varplane/cluster` gives one
 * that asks the other nodes. It must answer at once (from what it knows), with a ref or
 * undefined.
 */
export interface NameResolver {
  whereis(name: string): AgentRef | undefined;
}

/** A name resolver threw or answered something that is not a ref (`NAME_RESOLVER_FAILED`). */
export class NameResolverError extends VarplaneError {
  readonly agentName: string;
  constructor(name: string, message: string, cause?: unknown) {
    super({ code: 'NAME_RESOLVER_FAILED', message, cause });
    this.name = 'NameResolverError';
    this.agentName = name;
  }
}

const isRef = (value: unknown): value is AgentRef => {
  try {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as AgentRef).id === 'string' &&
      typeof (value as AgentRef).node === 'string'
    );
  } catch {
    return false;
  }
};

const method = z.custom<(...args: never[]) => unknown>(
  (v) => typeof v === 'function',
  'must be a function',
);

const registrySchema = z.object({
  register: method,
  unregister: method,
  whereis: method,
  namesOf: method,
  forget: method,
  entries: method,
});

const resolverSchema = z.object({ whereis: method });

/** `registry`, whose `whereis` asks `resolver` for names it does not hold. */
export function withNameResolver(registry: NameRegistry, resolver: NameResolver): NameRegistry {
  parseOrThrow(registrySchema, registry, {
    code: 'INVALID_ARGUMENT',
    subject: 'withNameResolver',
    prefix: 'registry',
  });
  parseOrThrow(resolverSchema, resolver, {
    code: 'INVALID_ARGUMENT',
    subject: 'withNameResolver',
    prefix: 'resolver',
  });
  return {
    ...registry,
    whereis(name) {
      checkString('whereis', 'name', name);
      const here = registry.whereis(name);
      if (here !== undefined) return here;
      let found: unknown;
      try {
        found = resolver.whereis(name);
      } catch (cause) {
        throw new NameResolverError(
          name,
          `whereis(${describeValue(name)}): the name resolver threw`,
          cause,
        );
      }
      if (found === undefined || isRef(found)) return found;
      throw new NameResolverError(
        name,
        `whereis(${describeValue(name)}): the name resolver answered ${describeValue(found)}, not a ref or undefined`,
      );
    },
  };
}
