import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryMetrics } from './fixtures.js';
import { parsePrometheusText } from './prometheus-text.js';

// docs/grafana-dashboard.json stays in step with the metrics mika serves.

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8'));
const panels: Array<{ type: string; id: number; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string }> }> = dashboard.panels;
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

describe('the Grafana dashboard', () => {
  it('queries a Prometheus data source chosen by a variable, in every panel', () => {
    expect(dashboard.templating.list).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })]));
    for (const p of panels.filter((x) => x.type !== 'row')) expect(p.datasource?.uid, p.title).toBe('${datasource}');
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    expect(exprs.length).toBeGreaterThan(20);
  });

  it('uses only metrics that mika serves, and shows each mika metric', async () => {
    const { metrics } = await memoryMetrics();
    const served = new Set<string>();
    // by family: a histogram such as nodejs_gc_duration_seconds has no samples before its first observation
    for (const f of parsePrometheusText((await metrics.render()).body).values()) {
      for (const suffix of f.type === 'histogram' ? ['_bucket', '_sum', '_count'] : ['']) served.add(`${f.name}${suffix}`);
    }
    const used = new Set(exprs.flatMap((e) => e.match(/\b(mika|process|nodejs)_[a-z0-9_]+/g) ?? []));
    for (const name of used) expect(served, name).toContain(name);
    const mika = [...served].filter((n) => n.startsWith('mika_')).map((n) => n.replace(/_(bucket|sum|count)$/, ''));
    for (const name of new Set(mika)) expect([...used].some((u) => u.startsWith(name)), name).toBe(true);
  });
});
