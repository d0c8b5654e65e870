import { describe, expect, it } from '@jest/globals';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { McpServerStatus } from '@agentnest/agent';
import { observeMcpServers } from './mcp-metrics.js';

describe('observeMcpServers', () => {
  it('reports each server as up or not, and its reconnects, when collected', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const provider = new MeterProvider({ readers: [reader] });
    let statuses: McpServerStatus[] = [
      { server: 'files', state: 'connected', reconnects: 0 },
      { server: 'crm', state: 'reconnecting', attempt: 3, reconnects: 1 },
    ];
    observeMcpServers(() => statuses, provider.getMeter('test'));
    const read = async () => {
      await reader.forceFlush();
      const all = exporter.getMetrics().at(-1)!.scopeMetrics.flatMap((s) => s.metrics);
      return Object.fromEntries(all.map((m) => [m.descriptor.name, Object.fromEntries(m.dataPoints.map((p) => [p.attributes['agentnest.mcp.server'], p.value]))]));
    };
    expect(await read()).toEqual({ 'agentnest.mcp.server.up': { files: 1, crm: 0 }, 'agentnest.mcp.server.reconnects': { files: 0, crm: 1 } });
    statuses = [statuses[0], { server: 'crm', state: 'connected', reconnects: 2 }];
    expect(await read()).toEqual({ 'agentnest.mcp.server.up': { files: 1, crm: 1 }, 'agentnest.mcp.server.reconnects': { files: 0, crm: 2 } });
    await provider.shutdown();
  });
});
