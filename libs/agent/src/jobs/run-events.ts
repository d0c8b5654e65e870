import type { Redis } from 'ioredis';
import type { AgentEvent, Recorder } from '../events/agent-event.js';
import type { RequestIdentity } from '../context/tenant-context.js';
import { ownerTag } from './owner-tag.js';

/** What a client sees of a run as it happens. */
export type RunStreamEvent =
  | { type: 'status'; status: string; reply?: string; error?: { code: string; message: string }; pauseData?: unknown }
  | { type: 'tool.start'; tool: string; args: Record<string, unknown> }
  | { type: 'tool.end'; tool: string; result: string; isError: boolean }
  | { type: 'text'; delta: string };

export interface StoredRunEvent {
  id: string;
  event: RunStreamEvent;
}

/** Terminal statuses: a live stream closes after one of these. */
export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'budget_exceeded']);

export interface RunEventsOptions {
  redis: Redis;
  /** @default 'agentnest:' */
  prefix?: string;
  /** Newest events kept per run (older ones are trimmed); @default 1000 */
  maxEvents?: number;
  /** How long a run's events stay after its last one; @default 24 h */
  ttlMs?: number;
}

/**
 * Per-run event log in a capped Redis Stream, keyed under the owner like the registry. Stream ids
 * are the SSE event ids, so a client reconnecting with Last-Event-ID gets exactly what it missed.
 */
export class RunEvents {
  private readonly redis: Redis;
  private readonly prefix: string;

  constructor(private readonly options: RunEventsOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agentnest:';
  }

  private key(owner: RequestIdentity, runId: string): string {
    return `${this.prefix}run-events:${ownerTag(owner)}:${runId}`;
  }

  async append(owner: RequestIdentity, runId: string, event: RunStreamEvent): Promise<void> {
    const key = this.key(owner, runId);
    await this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', String(this.options.maxEvents ?? 1000), '*', 'e', JSON.stringify(event))
      .pexpire(key, this.options.ttlMs ?? 86_400_000)
      .exec();
  }

  /** Events after `afterId` ('0' for all); blocks up to `blockMs` for new ones on the given (dedicated) connection. */
  async read(owner: RequestIdentity, runId: string, afterId: string, blockMs: number, reader: Redis): Promise<StoredRunEvent[]> {
    const reply = (await reader.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', this.key(owner, runId), afterId)) as Array<[string, Array<[string, string[]]>]> | null;
    if (!reply) return [];
    return reply[0][1].map(([id, fields]) => ({ id, event: JSON.parse(fields[1]) as RunStreamEvent }));
  }

  /** A recorder that forwards a run's text deltas and tool activity to its stream, in order, never failing the run; `flush` waits for the writes. */
  recorder(owner: RequestIdentity, runId: string): Recorder & { flush(): Promise<void> } {
    let chain = Promise.resolve();
    const push = (event: RunStreamEvent) => {
      chain = chain.then(() => this.append(owner, runId, event)).catch(() => undefined);
    };
    return {
      flush: () => chain,
      onEvent: (e: AgentEvent) => {
        if (e.type === 'llm.delta') push({ type: 'text', delta: e.delta });
        else if (e.type === 'tool.start') push({ type: 'tool.start', tool: e.tool, args: e.args });
        else if (e.type === 'tool.end') push({ type: 'tool.end', tool: e.tool, result: e.result, isError: e.isError });
      },
    };
  }
}
