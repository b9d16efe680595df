import type { JsonValue, OrchestrationVariable } from '@varplane/core';
import { parseOrThrow } from '@varplane/core/internal';
import { distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { z } from 'zod';
import type { ClusterNode } from './cluster-node';
import { ClusterError } from './errors';

/** Per-call options of {@link DistributedVariable.set}. */
export interface DistributedSetOptions {
  /** The node that proposes the change. Default: the first of `nodes`. */
  readonly via?: string;
  /** How long to wait for the change to be committed and applied on `via`, in ms. Default 5,000. */
  readonly timeoutMs?: number;
}

/** A `scope: 'cluster'` variable whose changes go through the Raft log of the nodes given. */
export interface DistributedVariable {
  readonly id: string;
  /** The nodes it was distributed over, by name. */
  readonly nodes: readonly string[];
  /** Its value on `node` (default: the first), as of the last change that node applied. */
  value(node?: string): JsonValue;
  /**
   * Its value on `node`: the current one, then one emission per change that node applies. Every
   * node applies the same changes in the same (log) order, so every node's sequence is the same.
   */
  values$(node: string): Observable<JsonValue>;
  /**
   * Sets the value on every node: checked against the variable's domain, proposed through `via`,
   * resolved with the value once `via` applied it. Rejects with the domain's typed error for a bad
   * value, and with the log's typed error when no majority commits it within `timeoutMs`.
   */
  set(value: unknown, options?: DistributedSetOptions): Promise<JsonValue>;
}

const failure = (options: { code: string; message: string }) =>
  new ClusterError({ code: 'CLUSTER_INVALID_ARGUMENT', message: options.message });

const variableSchema = z.object({
  id: z.string().min(1),
  scope: z.literal('cluster', { message: "must be 'cluster': only those go through the log" }),
});
const nodeSchema = z.custom<ClusterNode>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as ClusterNode).node === 'string' &&
    typeof (v as ClusterNode).cluster === 'string',
  'expected a ClusterNode (from startClusterNode)',
);
const nodesSchema = z.array(nodeSchema).min(1, 'needs at least one node');
const setSchema = z
  .object({
    via: z.string().min(1).optional(),
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
  })
  .strict()
  .optional();

/**
 * Distributes a cluster-scope orchestration variable over `nodes`: each of them must be a Raft
 * voter started with a space that holds the variable, so its value lives in their shared log.
 *
 * @example
 * const topology = distribute(space.orchestrationVariables.reasoning_net, [n1, n2, n3]);
 * await topology.set('star', { via: 'n2' }); // n1, n2 and n3 apply it in the same order
 */
export function distribute(
  variable: OrchestrationVariable,
  nodes: readonly ClusterNode[],
): DistributedVariable {
  const { id } = parseOrThrow(variableSchema, variable, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'distribute',
    prefix: 'variable',
    error: failure,
  });
  const members = parseOrThrow(nodesSchema, nodes, {
    code: 'CLUSTER_INVALID_ARGUMENT',
    subject: 'distribute',
    prefix: 'nodes',
    error: failure,
  });
  const byName = new Map<string, ClusterNode>();
  members.forEach((member, i) => {
    const refuse = (why: string) => {
      throw new ClusterError({
        code: 'CLUSTER_INVALID_ARGUMENT',
        message: `distribute: nodes.${i} ("${member.node}") ${why}`,
      });
    };
    if (byName.has(member.node)) refuse('is listed twice');
    if (member.cluster !== members[0]?.cluster)
      refuse(`is in cluster "${member.cluster}", not "${members[0]?.cluster}"`);
    const store = member.variables;
    if (store === undefined) refuse('replicates no variables (start it with peers and a space)');
    const held = store?.space().orchestrationVariables;
    if (held === undefined || !Object.hasOwn(held, id))
      refuse(`has no variable "${id}" in its space`);
    else if (held[id]?.scope !== 'cluster')
      refuse(`holds "${id}" with scope "${held[id]?.scope}", not 'cluster'`);
    byName.set(member.node, member);
  });
  const names = members.map((member) => member.node);

  const pick = (node: string | undefined, field: string) => {
    const name = node ?? names[0];
    const member = name === undefined ? undefined : byName.get(name);
    if (member?.variables === undefined) {
      throw new ClusterError({
        code: 'CLUSTER_INVALID_ARGUMENT',
        message: `distribute("${id}"): ${field} must be one of ${JSON.stringify(names)} (got ${JSON.stringify(node)})`,
      });
    }
    return member.variables;
  };

  return {
    id,
    nodes: names,
    value: (node) => pick(node, 'node').space().orchestrationVariables[id]?.value as JsonValue,
    values$: (node) =>
      pick(node, 'node').space$.pipe(
        map((space) => space.orchestrationVariables[id]),
        filter((held): held is OrchestrationVariable => held !== undefined),
        // Each applied change writes a new variable object; changes to other variables do not.
        distinctUntilChanged(),
        map((held) => held.value),
      ),
    async set(value, options) {
      const o = parseOrThrow(setSchema, options, {
        code: 'CLUSTER_INVALID_ARGUMENT',
        subject: `distribute("${id}").set`,
        prefix: 'options',
        error: failure,
      });
      const store = pick(o?.via, 'options.via');
      const space = await store.setVariable(id, value, {
        timeoutMs: o?.timeoutMs ?? 5_000,
      });
      return space.orchestrationVariables[id]?.value as JsonValue;
    },
  };
}
