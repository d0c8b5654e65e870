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

  /** Events after `afterId` ('0' for all); waits up to `blockMs` (0: not at all) for new ones on the given (dedicated) connection. */
  async read(owner: RequestIdentity, runId: string, afterId: string, blockMs: number, reader: Redis): Promise<StoredRunEvent[]> {
    // BLOCK 0 would wait forever on an empty stream: 0 here means "don't wait".
    const key = this.key(owner, runId);
    const reply = (blockMs > 0 ? await reader.xread('COUNT', 100, 'BLOCK', blockMs, 'STREAMS', key, afterId) : await reader.xread('COUNT', 100, 'STREAMS', key, afterId)) as Array<[string, Array<[string, string[]]>]> | null;
    if (!reply) return [];
    return reply[0][1].map(([id, fields]) => ({ id, event: JSON.parse(fields[1]) as RunStreamEvent }));
  }

  /**
   * A recorder that forwards a run's text deltas and tool activity to its stream, in order, never
   * failing the run; `flush` waits for the writes. Deltas arriving within `textBatchMs` share one
   * event, so a model streaming token by token does not cost a Redis write per token.
   */
  recorder(owner: RequestIdentity, runId: string, textBatchMs = 25): Recorder & { flush(): Promise<void> } {
    let chain = Promise.resolve();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const push = (event: RunStreamEvent) => {
      chain = chain.then(() => this.append(owner, runId, event)).catch(() => undefined);
    };
    const pushText = () => {
      clearTimeout(timer);
      timer = undefined;
      if (text) push({ type: 'text', delta: text });
      text = '';
    };
    return {
      flush: () => {
        pushText();
        return chain;
      },
      onEvent: (e: AgentEvent) => {
        if (e.type === 'llm.delta') {
          text += e.delta;
          timer ??= setTimeout(pushText, textBatchMs);
          return;
        }
        if (e.type !== 'tool.start' && e.type !== 'tool.end') return;
        pushText();
        if (e.type === 'tool.start') push({ type: 'tool.start', tool: e.tool, args: e.args });
        else push({ type: 'tool.end', tool: e.tool, result: e.result, isError: e.isError });
      },
    };
  }
}
