import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] } };
type KeyValue = { key: string; value: AnyValue };
/**
 * OTLP attributes flattened to plain values (arrays and key-value lists included).
 * @inline
 */
type Attrs = Record<string, unknown>;

/** One exported span, with its resource's attributes beside it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** The OTLP SpanKind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  attributes: Attrs;
  events: Array<{ name: string; attributes: Attrs }>;
  links: Array<{ traceId: string; spanId: string }>;
  status: { code?: number; message?: string };
  resource: Attrs;
}

/** One data point of a metric: attributes and a value (sums, gauges) or a distribution (histograms). */
export interface ReceivedPoint {
  attributes: Attrs;
  /** Sums and gauges. */
  value?: number;
  /** Histograms. */
  count?: number;
  sum?: number;
  bucketCounts?: number[];
  explicitBounds?: number[];
}

/** A metric as of the latest export, with all its data points. */
export interface ReceivedMetric {
  name: string;
  unit?: string;
  kind: 'sum' | 'gauge' | 'histogram';
  points: ReceivedPoint[];
}

/** One exported log record, with its trace context when it was logged inside a span. */
export interface ReceivedLog {
  body: unknown;
  severityText?: string;
  traceId?: string;
  spanId?: string;
  attributes: Attrs;
  resource: Attrs;
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return undefined;
}

const attrs = (list: KeyValue[] | undefined): Attrs => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

/**
 * An OTLP/HTTP (JSON) receiver on loopback for tests: point OTEL_EXPORTER_OTLP_ENDPOINT at `origin`
 * and read back what the real exporters sent, flattened. Metrics keep the latest export (cumulative).
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: ReceivedLog[] = [];
  private readonly latestMetrics = new Map<string, ReceivedMetric>();
  private server?: Server;
  origin = '';

  /** Listens on a free loopback port; read `origin` afterwards. */
  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.receive(req).then(
        () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        },
        () => {
          res.writeHead(400);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Drops open connections and stops the server. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Every metric received so far, each as of its latest export. */
  metrics(): ReceivedMetric[] {
    return [...this.latestMetrics.values()];
  }

  /** The metric called `name` as of its latest export, or undefined until one arrives. */
  metric(name: string): ReceivedMetric | undefined {
    return this.latestMetrics.get(name);
  }

  /** Polls until `predicate` holds (exporters batch, so data arrives a little after the fact). */
  async waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('OTLP receiver: timed out waiting for telemetry');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async receive(req: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let raw = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    if (!String(req.headers['content-type']).includes('json')) throw new Error('only OTLP/JSON is understood');
    const body = JSON.parse(raw.toString('utf8'));
    if (req.url === '/v1/traces') this.takeSpans(body);
    else if (req.url === '/v1/metrics') this.takeMetrics(body);
    else if (req.url === '/v1/logs') this.takeLogs(body);
    else throw new Error(`unknown path ${req.url}`);
  }

  private takeSpans(body: { resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }> }): void {
    for (const rs of body.resourceSpans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: s.traceId as string,
            spanId: s.spanId as string,
            parentSpanId: (s.parentSpanId as string) || undefined,
            name: s.name as string,
            kind: s.kind as number,
            attributes: attrs(s.attributes as KeyValue[]),
            events: ((s.events as Array<{ name: string; attributes?: KeyValue[] }>) ?? []).map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
            links: ((s.links as Array<{ traceId: string; spanId: string }>) ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            status: (s.status as { code?: number; message?: string }) ?? {},
            resource,
          });
        }
      }
    }
  }

  private takeMetrics(body: { resourceMetrics?: Array<{ scopeMetrics?: Array<{ metrics?: Array<Record<string, unknown>> }> }> }): void {
    for (const rm of body.resourceMetrics ?? []) {
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          const kind = m.histogram ? 'histogram' : m.sum ? 'sum' : 'gauge';
          const data = (m[kind] as { dataPoints?: Array<Record<string, unknown>> }) ?? {};
          const points = (data.dataPoints ?? []).map((p) => ({
            attributes: attrs(p.attributes as KeyValue[]),
            value: num(p.asDouble ?? p.asInt),
            count: num(p.count),
            sum: num(p.sum),
            bucketCounts: (p.bucketCounts as unknown[] | undefined)?.map(Number),
            explicitBounds: p.explicitBounds as number[] | undefined,
          }));
          this.latestMetrics.set(m.name as string, { name: m.name as string, unit: m.unit as string | undefined, kind, points });
        }
      }
    }
  }

  private takeLogs(body: { resourceLogs?: Array<{ resource?: { attributes?: KeyValue[] }; scopeLogs?: Array<{ logRecords?: Array<Record<string, unknown>> }> }> }): void {
    for (const rl of body.resourceLogs ?? []) {
      const resource = attrs(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const l of sl.logRecords ?? []) {
          this.logs.push({
            body: value(l.body as AnyValue),
            severityText: l.severityText as string | undefined,
            traceId: (l.traceId as string) || undefined,
            spanId: (l.spanId as string) || undefined,
            attributes: attrs(l.attributes as KeyValue[]),
            resource,
          });
        }
      }
    }
  }
}
