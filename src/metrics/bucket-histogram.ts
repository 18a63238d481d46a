/** Upper bounds in seconds: an in-process announce takes ~10 µs, one over Redis ~0.1–1 ms. */
export const DURATION_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Series {
  /** Observations per bucket, not cumulative; the last one is above every bound (+Inf). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** One sample as prom-client's registry reads it (Registry.getMetricsAsJSON / metrics()). */
export interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A histogram with one label, cheap enough for the announce path: an observation is a short bucket
 * scan and three additions, with no allocation. prom-client's own Histogram.observe builds objects
 * and hashes the labels on every call (about 0.3 µs, twice per announce). This one is registered in
 * the prom-client registry as a metric of its own (Metrics), and reads like prom-client's.
 */
export class BucketHistogram<L extends string> {
  readonly type = 'histogram';
  /** How prom-client's cluster aggregation would merge it. */
  readonly aggregator = 'sum';
  private readonly series: Record<L, Series>;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    labelValues: readonly L[],
    private readonly bounds: readonly number[] = DURATION_BUCKETS,
  ) {
    this.series = {} as Record<L, Series>;
    for (const v of labelValues) this.series[v] = { counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 };
  }

  observe(label: L, value: number): void {
    const s = this.series[label];
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    s.counts[i]! += 1;
    s.sum += value;
    s.count += 1;
  }

  /** The samples of every label value: cumulative `_bucket`s up to `+Inf`, `_sum` and `_count`. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [label, s] of Object.entries(this.series) as Array<[L, Series]>) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: { [this.labelName]: label, le: i < this.bounds.length ? this.bounds[i]! : '+Inf' }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { [this.labelName]: label }, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: { [this.labelName]: label }, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of Object.values(this.series) as Series[]) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
