/** The outcome of ordering a dependency graph: an order, or one cycle that prevents it. */
export type DependencyOrder =
  | { readonly ok: true; readonly order: readonly number[] }
  | {
      readonly ok: false;
      /** Node indices along the cycle, first repeated at the end: `a -> b -> a`. */
      readonly cycle: readonly number[];
    };

const UNSEEN = 0;
const OPEN = 1;
const DONE = 2;

/**
 * Orders nodes so each comes after every node it depends on, keeping the input order wherever the
 * dependencies allow. `dependencies[i]` lists the nodes node `i` reads.
 *
 * A depth-first search with an explicit stack: a chain of ten thousand variables must not overflow
 * the call stack. Meeting a node that is still open closes a cycle, and the open part of the stack
 * from that node is the cycle's path.
 */
export function orderByDependencies(dependencies: readonly (readonly number[])[]): DependencyOrder {
  const count = dependencies.length;
  const state = new Uint8Array(count);
  const order: number[] = [];
  const stack: number[] = [];
  const cursor: number[] = [];
  for (let root = 0; root < count; root++) {
    if (state[root] !== UNSEEN) continue;
    stack.push(root);
    cursor.push(0);
    state[root] = OPEN;
    while (stack.length > 0) {
      const top = stack.length - 1;
      const node = stack[top] as number;
      const next = cursor[top] as number;
      const edges = dependencies[node] as readonly number[];
      if (next === edges.length) {
        state[node] = DONE;
        order.push(node);
        stack.pop();
        cursor.pop();
        continue;
      }
      cursor[top] = next + 1;
      const target = edges[next] as number;
      if (state[target] === DONE) continue;
      if (state[target] === OPEN) {
        const cycle = stack.slice(stack.lastIndexOf(target));
        cycle.push(target);
        return { ok: false, cycle };
      }
      state[target] = OPEN;
      stack.push(target);
      cursor.push(0);
    }
  }
  return { ok: true, order };
}
