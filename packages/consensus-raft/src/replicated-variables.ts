import { type MultiAgentSpace, setVariableValue, VarplaneError } from '@varplane/core';
import { BehaviorSubject, type Observable } from 'rxjs';
import { RaftError } from './errors';
import { readSafely } from './internal/read-field';
import type { Entry } from './messages';
import type { RaftNode, RaftStateMachine, RequestOptions } from './raft-node';

/** The log entry of one variable change. */
export interface SetVariableEntry {
  readonly kind: 'set-variable';
  readonly variableId: string;
  readonly value: unknown;
}

/** A space whose orchestration variable values are replicated through a Raft log. */
export interface ReplicatedVariableStore {
  /** Pass it to `startRaftNode({ stateMachine })`. */
  readonly stateMachine: RaftStateMachine;
  /** Binds the node that proposes this store's changes. */
  connect(node: RaftNode): void;
  /**
   * Sets a variable on every node: checked here against its domain, proposed, and resolved with
   * the space once this node applied it (every node applies the same changes in one order).
   */
  setVariable(
    variableId: string,
    value: unknown,
    options?: RequestOptions,
  ): Promise<MultiAgentSpace>;
  /** The space as of the last change this node applied. */
  space(): MultiAgentSpace;
  readonly space$: Observable<MultiAgentSpace>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * A replicated store of a {@link MultiAgentSpace}'s variable values. Entries it does not know
 * (consensus decisions, other applications' data) pass through untouched, so it can share a log.
 *
 * @example
 * const store = createReplicatedVariableStore({ space });
 * const node = await startRaftNode({ ...options, stateMachine: store.stateMachine });
 * store.connect(node);
 * await store.setVariable('team_size', 4); // applied on every node, in one order
 */
export function createReplicatedVariableStore(options: {
  readonly space: MultiAgentSpace;
}): ReplicatedVariableStore {
  return readSafely('createReplicatedVariableStore', 'RAFT_INVALID_OPTIONS', () => build(options));
}

function build(options: { readonly space: MultiAgentSpace }): ReplicatedVariableStore {
  const initial = options?.space;
  if (
    typeof initial !== 'object' ||
    initial === null ||
    typeof initial.orchestrationVariables !== 'object'
  ) {
    throw new RaftError({
      code: 'RAFT_INVALID_OPTIONS',
      message: `createReplicatedVariableStore: space must be a MultiAgentSpace (got ${typeof initial})`,
    });
  }
  const space$ = new BehaviorSubject<MultiAgentSpace>(initial);
  let space = initial;
  // Values set through the log, for snapshots: the rest of the space is the initial one.
  let values: Record<string, unknown> = Object.create(null);
  let node: RaftNode | null = null;

  const stateMachine: RaftStateMachine = {
    apply(entry: Entry) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(decoder.decode(entry.data));
      } catch {
        return undefined;
      }
      const change = parsed as Partial<SetVariableEntry>;
      if (change?.kind !== 'set-variable' || typeof change.variableId !== 'string')
        return undefined;
      try {
        space = setVariableValue(space, change.variableId, change.value);
      } catch (error) {
        // Every node refuses the same change the same way, so the spaces stay equal.
        return { error };
      }
      values[change.variableId] = change.value;
      space$.next(space);
      return { space };
    },
    snapshot: () => encoder.encode(JSON.stringify(values)),
    restore(data) {
      const restored = JSON.parse(decoder.decode(data)) as Record<string, unknown>;
      values = Object.assign(Object.create(null), restored);
      space = initial;
      for (const [id, value] of Object.entries(restored))
        space = setVariableValue(space, id, value);
      space$.next(space);
    },
  };

  return {
    stateMachine,
    connect(next) {
      node = next;
    },
    async setVariable(variableId, value, requestOptions) {
      if (node === null) {
        throw new RaftError({
          code: 'RAFT_INVALID_ARGUMENT',
          message: 'setVariable: connect(node) first',
        });
      }
      // Checked before proposing, so a bad value fails here with the space's own typed error.
      setVariableValue(space, variableId, value);
      const entry: SetVariableEntry = { kind: 'set-variable', variableId, value };
      const applied = await node.propose(encoder.encode(JSON.stringify(entry)), requestOptions);
      const result = applied.result as { space?: MultiAgentSpace; error?: unknown } | undefined;
      if (result?.error !== undefined) {
        throw VarplaneError.isInstance(result.error)
          ? result.error
          : new RaftError({
              code: 'RAFT_APPLY_FAILED',
              message: `setVariable: ${variableId} was refused when applied`,
              cause: result.error,
            });
      }
      return result?.space ?? space;
    },
    space: () => space,
    space$: space$.asObservable(),
  };
}
