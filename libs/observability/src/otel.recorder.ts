import { context, metrics, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Counter, type Histogram, type Meter, type Span, type Tracer } from '@opentelemetry/api';
import type { AgentEvent, Recorder } from '@agentnest/agent';
import { ATTR, DURATION_BUCKETS, finishReason, providerName, TOKEN_BUCKETS } from './genai.js';
import { spanEventOf } from './run-span-event.js';
import { TenantLabels } from './tenant-labels.js';

/** Settings for {@link OTelRecorder}. */
export interface OTelRecorderOptions {
  /** Where spans go; @default the global tracer provider's 'agentnest' tracer */
  tracer?: Tracer;
  /** Where metrics go; @default the global meter provider's 'agentnest' meter */
  meter?: Meter;
  /** Put prompts, replies and tool arguments/results on spans; off by default because they may hold personal data. @default false */
  captureContent?: boolean;
  /** Distinct tenants kept as metric attribute values; later ones are counted as `other`. @default 100 */
  maxTenants?: number;
}

interface OpenChat {
  span: Span;
  started: number;
  model: string;
}

interface RunSpans {
  span: Span;
  ctx: Context;
  tenant: string;
  conversationId: string;
  chat?: OpenChat;
  tools: Map<string, Span>;
}

interface Instruments {
  tokens: Histogram;
  duration: Histogram;
  cost: Counter;
  runs: Counter;
}

/**
 * Turns agent events into GenAI spans (`invoke_agent`, `chat`, `execute_tool`) and metrics (token
 * usage, operation duration, cost, runs). Attach one instance to every agent (AgentModule's
 * `recorders`); it keeps per-run state only until the run ends.
 */
export class OTelRecorder implements Recorder {
  private readonly tracer: Tracer;
  private readonly instruments: Instruments;
  private readonly runs = new Map<string, RunSpans>();
  private readonly tenants: TenantLabels;

  constructor(private readonly options: OTelRecorderOptions = {}) {
    this.tracer = options.tracer ?? trace.getTracer('agentnest');
    const meter = options.meter ?? metrics.getMeter('agentnest');
    this.tenants = new TenantLabels(options.maxTenants ?? 100);
    this.instruments = {
      tokens: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens used by model calls', advice: { explicitBucketBoundaries: TOKEN_BUCKETS } }),
      duration: meter.createHistogram('gen_ai.client.operation.duration', { unit: 's', description: 'Duration of model calls', advice: { explicitBucketBoundaries: DURATION_BUCKETS } }),
      cost: meter.createCounter('agentnest.cost', { unit: 'USD', description: 'Cost of model calls from the pricing table' }),
      runs: meter.createCounter('agentnest.runs', { unit: '{run}', description: 'Agent runs by final status' }),
    };
  }

  /**
   * The model call of an `llm.request` runs with its `chat` span active (the vendor SDK's HTTP spans
   * are its children), a tool's work with its `execute_tool` span active (a sub-agent's
   * `invoke_agent` span is its child).
   */
  scope<T>(e: AgentEvent, work: () => T): T {
    const run = this.runs.get(e.runId);
    const span = e.type === 'llm.request' ? run?.chat?.span : e.type === 'tool.start' ? run?.tools.get(e.toolCallId) : undefined;
    return span ? context.with(trace.setSpan(context.active(), span), work) : work();
  }

  /** Opens, annotates and ends spans and records metrics for one agent event. */
  onEvent(e: AgentEvent): void {
    switch (e.type) {
      case 'run.start':
      case 'resume': {
        const run = this.startRun(e);
        if (e.type === 'resume') run.span.addEvent('agentnest.resume', { [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId });
        else if (this.options.captureContent) run.span.setAttribute(ATTR.inputMessages, JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: e.message }] }]));
        return;
      }
      case 'llm.request':
        return this.startChat(e);
      case 'resilience': {
        const { type, ...details } = e.decision;
        this.runs.get(e.runId)?.chat?.span.addEvent(`agentnest.${type}`, details as Attributes);
        return;
      }
      case 'llm.response':
        return this.endChat(e);
      case 'llm.refit': {
        // The call the vendor refused as too long ends here; the refitted call gets a span of its own.
        const run = this.runs.get(e.runId);
        if (run?.chat) {
          run.chat.span.setAttribute(ATTR.errorType, e.code);
          run.chat.span.setStatus({ code: SpanStatusCode.ERROR, message: e.code });
          run.chat.span.end();
          run.chat = undefined;
        }
        return;
      }
      case 'cost.tick': {
        const run = this.runs.get(e.runId);
        this.instruments.cost.add(e.costUsd, { [ATTR.agentName]: e.agent, [ATTR.requestModel]: e.model, [ATTR.tenant]: run?.tenant ?? 'none' });
        return;
      }
      case 'tool.start':
        return this.startTool(e);
      case 'tool.end':
        return this.endTool(e);
      case 'run.end':
        return this.endRun(e.runId, e.agent, e.status);
      case 'run.error':
        return this.failRun(e.runId, e.agent, e.code);
      default: {
        // Text deltas, the most frequent events, end here after one switch and no lookup.
        const marked = spanEventOf(e, this.options.captureContent === true);
        if (marked) this.runs.get(e.runId)?.span.addEvent(marked.name, marked.attributes);
      }
    }
  }

  private startRun(e: Extract<AgentEvent, { type: 'run.start' | 'resume' }>): RunSpans {
    const tenant = this.tenants.label(e.identity.tenant);
    const span = this.tracer.startSpan(
      `invoke_agent ${e.agent}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR.operation]: 'invoke_agent',
          [ATTR.agentName]: e.agent,
          [ATTR.conversationId]: e.identity.conversationId,
          [ATTR.runId]: e.runId,
          ...(e.identity.tenant !== undefined ? { [ATTR.tenant]: e.identity.tenant } : {}),
        },
      },
      context.active(),
    );
    const run: RunSpans = { span, ctx: trace.setSpan(context.active(), span), tenant, conversationId: e.identity.conversationId, tools: new Map() };
    this.runs.set(e.runId, run);
    return run;
  }

  private startChat(e: Extract<AgentEvent, { type: 'llm.request' }>): void {
    const run = this.runs.get(e.runId);
    if (!run) return;
    const attributes: Attributes = { [ATTR.operation]: 'chat', [ATTR.requestModel]: e.model, [ATTR.conversationId]: run.conversationId, [ATTR.agentName]: e.agent };
    if (e.maxTokens !== undefined) attributes[ATTR.requestMaxTokens] = e.maxTokens;
    if (e.temperature !== undefined) attributes[ATTR.requestTemperature] = e.temperature;
    if (e.droppedMessages) attributes['agentnest.context.dropped_messages'] = e.droppedMessages;
    const span = this.tracer.startSpan(`chat ${e.model}`, { kind: SpanKind.CLIENT, attributes }, run.ctx);
    run.chat = { span, started: performance.now(), model: e.model };
  }

  private endChat(e: Extract<AgentEvent, { type: 'llm.response' }>): void {
    const run = this.runs.get(e.runId);
    const chat = run?.chat;
    if (!run || !chat) return;
    const provider = providerName(e.provider);
    const cache = e.usage.inputTokenDetails;
    chat.span.setAttributes({
      [ATTR.provider]: provider,
      [ATTR.responseModel]: e.model,
      [ATTR.finishReasons]: [finishReason(e.finishReason)],
      [ATTR.inputTokens]: e.usage.inputTokens,
      [ATTR.outputTokens]: e.usage.outputTokens,
      ...(cache?.cacheReadTokens !== undefined ? { [ATTR.cacheReadTokens]: cache.cacheReadTokens } : {}),
      ...(cache?.cacheWriteTokens !== undefined ? { [ATTR.cacheWriteTokens]: cache.cacheWriteTokens } : {}),
    });
    if (this.options.captureContent) {
      const parts: unknown[] = e.text ? [{ type: 'text', content: e.text }] : [];
      for (const c of e.toolCalls) parts.push({ type: 'tool_call', id: c.id, name: c.name, arguments: c.args });
      chat.span.setAttribute(ATTR.outputMessages, JSON.stringify([{ role: 'assistant', parts, finish_reason: finishReason(e.finishReason) }]));
    }
    chat.span.end();
    run.chat = undefined;
    const attrs = this.metricAttributes(run, e.agent, chat.model, provider, e.model);
    this.instruments.tokens.record(e.usage.inputTokens, { ...attrs, [ATTR.tokenType]: 'input' });
    this.instruments.tokens.record(e.usage.outputTokens, { ...attrs, [ATTR.tokenType]: 'output' });
    this.instruments.duration.record(e.durationMs / 1000, attrs);
  }

  private startTool(e: Extract<AgentEvent, { type: 'tool.start' }>): void {
    const run = this.runs.get(e.runId);
    if (!run) return;
    const attributes: Attributes = { [ATTR.operation]: 'execute_tool', [ATTR.toolName]: e.tool, [ATTR.toolCallId]: e.toolCallId, [ATTR.toolType]: 'function' };
    if (this.options.captureContent) attributes[ATTR.toolArguments] = JSON.stringify(e.args);
    run.tools.set(e.toolCallId, this.tracer.startSpan(`execute_tool ${e.tool}`, { kind: SpanKind.INTERNAL, attributes }, run.ctx));
  }

  private endTool(e: Extract<AgentEvent, { type: 'tool.end' }>): void {
    const run = this.runs.get(e.runId);
    const span = run?.tools.get(e.toolCallId);
    if (!run || !span) return;
    if (this.options.captureContent) span.setAttribute(ATTR.toolResult, e.result);
    if (e.isError) {
      span.setAttribute(ATTR.errorType, 'tool_error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool_error' });
    }
    span.end();
    run.tools.delete(e.toolCallId);
  }

  private endRun(runId: string, agent: string, status: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    // A model call a guardrail cancelled never answered; a tool call still open is the one the run paused in.
    if (run.chat) {
      run.chat.span.setAttribute(ATTR.runStatus, status);
      run.chat.span.end();
    }
    for (const span of run.tools.values()) {
      span.setAttribute(ATTR.runStatus, status);
      span.end();
    }
    run.span.setAttribute(ATTR.runStatus, status);
    run.span.end();
    this.runs.delete(runId);
    this.instruments.runs.add(1, { [ATTR.agentName]: agent, [ATTR.runStatus]: status, [ATTR.tenant]: run.tenant });
  }

  /** Ends whatever the run had open with the error code (never the message: it may carry input). */
  private failRun(runId: string, agent: string, code: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    const fail = (span: Span) => {
      span.setAttribute(ATTR.errorType, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
      span.end();
    };
    if (run.chat) {
      fail(run.chat.span);
      this.instruments.duration.record((performance.now() - run.chat.started) / 1000, { ...this.metricAttributes(run, agent, run.chat.model), [ATTR.errorType]: code });
    }
    for (const span of run.tools.values()) fail(span);
    const status = code === 'run_aborted' ? 'cancelled' : 'failed';
    run.span.setAttribute(ATTR.runStatus, status);
    fail(run.span);
    this.runs.delete(runId);
    this.instruments.runs.add(1, { [ATTR.agentName]: agent, [ATTR.runStatus]: status, [ATTR.tenant]: run.tenant });
  }

  private metricAttributes(run: RunSpans, agent: string, requestModel: string, provider?: string, responseModel?: string): Attributes {
    const attrs: Attributes = { [ATTR.operation]: 'chat', [ATTR.requestModel]: requestModel, [ATTR.agentName]: agent, [ATTR.tenant]: run.tenant };
    if (provider) attrs[ATTR.provider] = provider;
    if (responseModel) attrs[ATTR.responseModel] = responseModel;
    return attrs;
  }
}
