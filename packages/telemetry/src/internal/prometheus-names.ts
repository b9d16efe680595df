import { SECONDS_PER_UNIT } from '../distribution';

/** How a metric's unit shows in a Prometheus name, and the factor to its base unit. */
export interface PrometheusUnit {
  /** `_seconds`, `_messages_per_second`, or `` for unitless quantities. */
  readonly suffix: string;
  /** Multiply a value in the metric's unit by this to get the exported value. */
  readonly scale: number;
}

const UNITLESS = new Set(['1', 'score', 'cost', '']);

/**
 * Prometheus names carry the base unit as a suffix (`_seconds`, `_ratio`), so a duration in any
 * unit is exported in seconds and every other unit is spelled out once.
 */
export function prometheusUnit(unit: string): PrometheusUnit {
  const seconds = SECONDS_PER_UNIT[unit];
  if (seconds !== undefined) return { suffix: '_seconds', scale: seconds };
  if (UNITLESS.has(unit)) return { suffix: '', scale: 1 };
  const spelled = unit
    .replace(/[{}]/g, '')
    .replace(/\/s$/, '_per_second')
    .replace(/\//g, '_per_')
    .replace(/%/g, 'percent')
    .replace(/[^a-zA-Z0-9_]/g, '_')
    .toLowerCase();
  return { suffix: `_${spelled}`, scale: 1 };
}

/** `<prefix><metric><suffix>`, without repeating a suffix the metric's name already ends with. */
export function prometheusName(prefix: string, metric: string, unit: PrometheusUnit): string {
  const base = metric.replace(/\./g, '_');
  return `${prefix}${base.endsWith(unit.suffix) ? base : base + unit.suffix}`;
}
