import { metrics, type Meter } from '@opentelemetry/api';
import type { McpServerStatus } from '@agentnest/agent';

/**
 * MCP servers on OpenTelemetry: `agentnest.mcp.server.up` (1 connected, 0 otherwise) and
 * `agentnest.mcp.server.reconnects` (successful reconnects since start), per server
 * (`agentnest.mcp.server`). Read from `statuses` only when a metrics reader collects.
 */
export function observeMcpServers(statuses: () => McpServerStatus[], meter: Meter = metrics.getMeter('agentnest')): void {
  const up = meter.createObservableGauge('agentnest.mcp.server.up', { unit: '1', description: 'An MCP server is connected (1) or lost, failed or closed (0)' });
  const reconnects = meter.createObservableCounter('agentnest.mcp.server.reconnects', { unit: '{reconnect}', description: 'Times an MCP server was reconnected after it was lost' });
  meter.addBatchObservableCallback(
    (result) => {
      for (const s of statuses()) {
        const attributes = { 'agentnest.mcp.server': s.server };
        result.observe(up, s.state === 'connected' ? 1 : 0, attributes);
        result.observe(reconnects, s.reconnects, attributes);
      }
    },
    [up, reconnects],
  );
}
