/**
 * A key under which equal values meet: numbers and strings never collide (`1` vs `"1"`), and
 * objects compare by their JSON text.
 */
export function valueKey(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return `n:${Object.is(value, -0) ? 0 : value}`;
    case 'string':
      return `s:${value}`;
    case 'boolean':
      return `b:${value}`;
    case 'undefined':
      return 'u:';
    case 'bigint':
      return `i:${value}`;
    default: {
      if (value === null) return 'null';
      try {
        return `j:${JSON.stringify(value)}`;
      } catch {
        return `o:${Object.prototype.toString.call(value)}`;
      }
    }
  }
}

/** Equal as negotiated values: the same number, string or boolean, or the same JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  return Object.is(a, b) || valueKey(a) === valueKey(b);
}

/**
 * Drops the noise binary arithmetic leaves in decimal results (0.49000000000000005 becomes 0.49):
 * 15 significant digits is the most a double always holds for a decimal number.
 */
export function cleanFloat(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return x;
  return Number(x.toPrecision(15));
}

/** Compares agent ids so that ties are broken the same way on every run. */
export function byAgentId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
