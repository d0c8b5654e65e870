import type { AgentEvent, AgentEventType, Recorder } from './agent-event.js';

/** Event domains a logging recorder can follow. */
export type LogDomain = 'run' | 'llm' | 'tool' | 'memory' | 'cost' | 'resilience' | 'pause' | 'guardrail';

/** What `enable.logging` needs of a logger: pino, winston and console all qualify. */
export interface EventLogger {
  /** Logs a routine event. */
  info(...args: unknown[]): unknown;
  /** Logs a denied or failed tool call, a tripped guardrail, a spent budget or a provider fallback. */
  warn(...args: unknown[]): unknown;
  /** Logs a failed run. */
  error(...args: unknown[]): unknown;
}

/** What a LoggingRecorder writes, and where. */
export interface LoggingOptions {
  /** The event domains to log; @default every domain */
  domains?: LogDomain[];
  /** Where lines go: pino, winston, console or anything with `info`, `warn` and `error`. */
  logger: EventLogger;
  /** Pass the fields object first (pino) rather than after the message (winston, console); @default detected: true for pino */
  objectFirst?: boolean;
  /** Include prompts, replies, tool arguments and results; @default false */
  includeContent?: boolean;
}

const DOMAIN: Partial<Record<AgentEventType, LogDomain>> = {
  'run.start': 'run',
  'run.end': 'run',
  'run.error': 'run',
  'llm.request': 'llm',
  'llm.response': 'llm',
  'llm.refit': 'llm',
  'tool.start': 'tool',
  'tool.end': 'tool',
  'tool.denied': 'tool',
  'memory.read': 'memory',
  'memory.write': 'memory',
  'memory.recall': 'memory',
  'memory.summary': 'memory',
  'cost.tick': 'cost',
  'budget.exceeded': 'cost',
  resilience: 'resilience',
  pause: 'pause',
  resume: 'pause',
  guardrail: 'guardrail',
  handoff: 'run',
};

// Fields that carry what people typed or tools returned: left out unless includeContent is set.
const CONTENT = new Set(['message', 'text', 'args', 'result', 'pauseData', 'toolCalls']);

/** pino loggers have bindings() and flush(); winston and console do not. */
const isPino = (logger: object) => typeof (logger as { bindings?: unknown }).bindings === 'function' && typeof (logger as { flush?: unknown }).flush === 'function';

/**
 * Writes the chosen domains of a run's events to a logger, one structured line per event
 * (`agent.<type>` with the event's fields). Text deltas are never logged.
 */
export class LoggingRecorder implements Recorder {
  private readonly domains: ReadonlySet<LogDomain>;
  private readonly objectFirst: boolean;

  constructor(private readonly options: LoggingOptions) {
    this.domains = new Set(options.domains ?? (['run', 'llm', 'tool', 'memory', 'cost', 'resilience', 'pause'] as LogDomain[]));
    this.objectFirst = options.objectFirst ?? isPino(options.logger);
  }

  /** Logs the event at its level when its domain is followed. */
  onEvent(event: AgentEvent): void {
    const domain = DOMAIN[event.type];
    if (!domain || !this.domains.has(domain)) return;
    const fields: Record<string, unknown> = { domain };
    for (const [k, v] of Object.entries(event)) if (this.options.includeContent || !CONTENT.has(k)) fields[k] = v;
    const message = `agent.${event.type}`;
    const level = this.level(event);
    if (this.objectFirst) this.options.logger[level](fields, message);
    else this.options.logger[level](message, fields);
  }

  private level(e: AgentEvent): 'info' | 'warn' | 'error' {
    if (e.type === 'run.error') return 'error';
    if (e.type === 'budget.exceeded' || e.type === 'tool.denied' || (e.type === 'tool.end' && e.isError) || (e.type === 'guardrail' && e.action === 'trip')) return 'warn';
    if (e.type === 'resilience' && (e.decision.type === 'fallback' || (e.decision.type === 'breaker' && e.decision.to === 'open'))) return 'warn';
    return 'info';
  }
}
