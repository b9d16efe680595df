import type { Registry } from 'prom-client';
import type { Distribution } from '../distribution';

/** A cumulative Prometheus histogram fed whole windows of bucket counts. */
export interface WindowHistogram {
  readonly name: string;
  /** Adds a window's distribution, scaled to the exported unit. */
  add(window: Distribution, scale: number): void;
}

/**
 * prom-client's Histogram takes one observation at a time; a monitor hands over a window's bucket
 * counts, so this metric keeps the cumulative buckets itself and renders them the way prom-client
 * renders its own (`_bucket{le}`, `_sum`, `_count`), from the same registry.
 */
export function registerWindowHistogram(
  registry: Registry,
  name: string,
  help: string,
  bounds: readonly number[],
  scale: number,
): WindowHistogram {
  const les = bounds.map((b) => b * scale);
  const cumulative = new Array<number>(les.length + 1).fill(0);
  let sum = 0;
  let count = 0;
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: {
        metricName: string;
        labels: Record<string, string | number>;
        value: number;
      }[] = [];
      let running = 0;
      les.forEach((le, i) => {
        running += cumulative[i] as number;
        values.push({ metricName: `${name}_bucket`, labels: { le }, value: running });
      });
      running += cumulative[les.length] as number;
      values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: running });
      values.push({ metricName: `${name}_sum`, labels: {}, value: sum });
      values.push({ metricName: `${name}_count`, labels: {}, value: count });
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      cumulative.fill(0);
      sum = 0;
      count = 0;
    },
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  return {
    name,
    add(window, windowScale) {
      // Windows keep bounds in the metric's unit; `les` are the same bounds scaled.
      window.counts.forEach((n, i) => {
        cumulative[i] = (cumulative[i] as number) + n;
      });
      sum += window.sum * windowScale;
      count += window.count;
    },
  };
}
