import type { Cell } from './cell';

/**
 * The kernel's cells by id, in spawn order.
 *
 * Sends and calls by id look a cell up once per message, so `get` is on the hot path. The table
 * is a `Map` (spawn order, cheap inserts), but V8's Map compares string keys by content: the id a
 * sender holds is seldom the very string the cell was stored under, so every probe reads the
 * candidate key's string (a cache miss apiece once there are thousands of agents) on top of the
 * bucket and the entry. With 10k agents that was a quarter of the time of a send by id.
 *
 * So `get` goes through `hot`, a null-prototype object: a dictionary keyed by internalized
 * strings. V8 internalizes a sender's id on its first lookup (the string turns into a pointer to
 * the interned copy, which the next GC substitutes for it), and from then on a probe compares
 * pointers and never touches the candidates. An id enters `hot` the first time it is looked up,
 * not at spawn, so spawning (a million idle agents) pays nothing for it. Ids that look like array
 * indices (`"42"`) are valid agent ids and land in the object's elements; they are found the same.
 *
 * Invariant: `hot[id]`, when set, is `all.get(id)`. Only `add` and `remove` change the table.
 */
export class CellTable {
  private readonly all = new Map<string, Cell>();
  private readonly hot: Record<string, Cell | undefined> = Object.create(null);

  get size(): number {
    return this.all.size;
  }

  get(id: string): Cell | undefined {
    return this.hot[id] ?? this.warm(id);
  }

  private warm(id: string): Cell | undefined {
    const cell = this.all.get(id);
    if (cell !== undefined) this.hot[id] = cell;
    return cell;
  }

  has(id: string): boolean {
    return this.all.has(id);
  }

  /** Adds a cell whose id is free (the caller has checked). */
  add(cell: Cell): void {
    this.all.set(cell.id, cell);
  }

  /** Frees the cell's id if the cell still holds it. True when it did. */
  remove(cell: Cell): boolean {
    if (this.all.get(cell.id) !== cell) return false;
    this.all.delete(cell.id);
    delete this.hot[cell.id];
    return true;
  }

  /** A snapshot of every cell, in spawn order; changing the table does not change it. */
  values(): Cell[] {
    return [...this.all.values()];
  }
}
