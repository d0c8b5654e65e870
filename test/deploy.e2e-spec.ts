import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ATTR } from '@agentnest/observability';

// No container engine runs here, so the deploy files are checked for what would break them:
// wiring between services, and dashboard queries naming only metrics and labels the service emits.
const read = (path: string) => readFileSync(`deploy/${path}`, 'utf8');
const compose = parse(read('docker-compose.yml'));
const collector = parse(read('otel-collector.yaml'));
const prometheus = parse(read('prometheus.yml'));
const dashboard = JSON.parse(read('grafana/dashboards/agentnest.json'));

// What the OTel recorder and the queue emit, as the collector's Prometheus exporter names them
// (dots to underscores, no unit suffixes), with histogram series suffixes.
const METRICS = ['gen_ai_client_token_usage', 'gen_ai_client_operation_duration', 'agentnest_cost', 'agentnest_runs', 'agentnest_queue_depth', 'agentnest_queue_wait'];
// The recorder's attributes, plus the queue gauges' messaging.destination.name (otelJobTracer).
const LABELS = new Set([...Object.values(ATTR).map((a) => a.replace(/\./g, '_')), 'le', 'messaging_destination_name']);

describe('deploy/', () => {
  it('runs Redis, the collector on OTLP/HTTP 4318, Jaeger, Prometheus, Loki and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'jaeger', 'loki', 'otel-collector', 'prometheus', 'redis']);
    expect(compose.services['otel-collector'].ports.map(String).some((p: string) => p.startsWith('4318:4318'))).toBe(true);
    expect(compose.services.grafana.volumes).toEqual(expect.arrayContaining([expect.stringMatching(/^\.\/grafana\/dashboards:/)]));
  });

  it('wires every collector pipeline to defined components, and Prometheus scrapes the collector', () => {
    const { receivers, processors, exporters, service } = collector;
    for (const [signal, p] of Object.entries<{ receivers: string[]; processors: string[]; exporters: string[] }>(service.pipelines)) {
      for (const r of p.receivers) expect([signal, r, receivers[r]]).toEqual([signal, r, expect.anything()]);
      for (const r of p.processors) expect([signal, r, processors[r]]).toEqual([signal, r, expect.anything()]);
      for (const e of p.exporters) expect([signal, e, exporters[e]]).toEqual([signal, e, expect.anything()]);
    }
    expect(Object.keys(service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    expect(exporters['otlp/jaeger'].endpoint).toBe('jaeger:4317');
    expect(exporters.prometheus.add_metric_suffixes).toBe(false);
    const port = exporters.prometheus.endpoint.split(':').at(-1);
    expect(prometheus.scrape_configs[0].static_configs[0].targets).toEqual([`otel-collector:${port}`]);
  });

  it('has dashboard panels for tokens, cost, latency, errors and queue depth, querying only emitted metrics and labels', () => {
    const titles = dashboard.panels.map((p: { title: string }) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['tokens', 'cost', 'latency', 'errors', 'queue depth']) expect(titles).toContain(topic);
    const exprs: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));
    for (const expr of exprs) {
      const names = expr.match(/\b(gen_ai|agentnest)_[a-z_]+(?=[{[(\s)]|$)/g) ?? [];
      const metrics = names.filter((n) => !LABELS.has(n));
      expect(metrics.length).toBeGreaterThan(0);
      for (const m of metrics) expect([expr, METRICS.includes(m.replace(/_(bucket|sum|count)$/, ''))]).toEqual([expr, true]);
      const labels = [...expr.matchAll(/by \(([^)]*)\)/g)].flatMap((g) => g[1].split(',').map((s) => s.trim()));
      const selectors = [...expr.matchAll(/([a-z_]+)\s*(?:=~|!=|=)\s*"/g)].map((g) => g[1]);
      for (const l of [...labels, ...selectors]) expect([expr, l, LABELS.has(l)]).toEqual([expr, l, true]);
    }
    // Every process that queues reports the same queue's depth: the panel takes one value per queue, never their sum.
    const depth = exprs.filter((e) => e.includes('agentnest_queue_depth'));
    expect(depth).toEqual([expect.stringMatching(/max by \(messaging_destination_name\) \(agentnest_queue_depth\)/)]);
  });
});
