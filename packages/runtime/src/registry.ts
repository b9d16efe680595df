import type { AgentRef } from '@varplane/core';
import { NameTakenError } from './errors';

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
    register(name, ref) {
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
    unregister,
    whereis: (name) => byName.get(name),
    namesOf: (agentId) => byAgent.get(agentId) ?? [],
    forget(agentId) {
      for (const name of byAgent.get(agentId) ?? []) byName.delete(name);
      byAgent.delete(agentId);
    },
    entries: () => [...byName.entries()],
  };
}
