/**
 * The values a float may take: its range, and with a precision, the decimal grid inside it.
 * Validation, sampling and mutation all go through it so they agree on every edge.
 */
export interface FloatGrid {
  /** Rounds to the precision (identity without one); `-0` comes out as `0`. */
  round(value: number): number;
  /** The smallest and largest values that validate. `low > high` means none do. */
  readonly low: number;
  readonly high: number;
}

export function createFloatGrid(
  min: number,
  max: number,
  precision: number | undefined,
): FloatGrid {
  if (precision === undefined) {
    return { round: (value) => (value === 0 ? 0 : value), low: min, high: max };
  }
  const factor = 10 ** precision;
  const step = 1 / factor;
  const round = (value: number): number => {
    const scaled = value * factor;
    // Past 2^53 a number has no fractional digits left to round, and scaling could overflow.
    if (!Number.isFinite(scaled) || Math.abs(scaled) >= Number.MAX_SAFE_INTEGER) return value;
    const rounded = Math.round(scaled) / factor;
    return rounded === 0 ? 0 : rounded;
  };
  // Rounding the bounds can land just outside the range; then the next grid point inward is the
  // true bound.
  let low = round(min);
  if (low < min) low = round(low + step);
  let high = round(max);
  if (high > max) high = round(high - step);
  return { round, low, high };
}
