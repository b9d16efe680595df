import type { AgentRef } from '@varplane/core';

/**
 * The refs a kernel hands out: plain `{ id, node }` to everyone else (JSON, spreads and equality
 * see only those), with a private pointer to the agent's cell, so sending by ref skips the id
 * lookup. A ref whose cell has died, or that another kernel made, falls back to the lookup.
 */
export class LocalRef implements AgentRef {
  readonly id: string;
  readonly node: string;
  readonly #cell: unknown;
  readonly #owner: object;

  constructor(id: string, node: string, cell: unknown, owner: object) {
    this.id = id;
    this.node = node;
    this.#cell = cell;
    this.#owner = owner;
  }

  /** The cell behind `ref` if `owner` made it; undefined for any other ref. */
  static cellOf<T>(ref: AgentRef, owner: object): T | undefined {
    return #cell in ref && ref.#owner === owner ? (ref.#cell as T) : undefined;
  }
}
