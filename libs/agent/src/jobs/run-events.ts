import type { Cluster, Redis } from 'ioredis';
import type { AgentEvent, Recorder } from '../events/agent-event.js';
import type { RequestIdentity } from '../context/request-identity.js';
import { ownerKeys } from './owner-tag.js';

/** What a client sees of a run as it happens. */
export type RunStreamEvent =
  | { type: 'status'; status: string; reply?: string; error?: { code: string; message: string }; pauseData?: unknown; usage?: { inputTokens: number; outputTokens: number }; toolCallId?: string }
  /** The run asks the model again (a new step of the run). */
  | { type: 'step' }
  | { type: 'tool.start'; toolCallId?: string; tool: string; args: Record<string, unknown> }
  | { type: 'tool.end'; toolCallId?: string; tool: string; result: string; isError: boolean }
  | { type: 'text'; delta: string }
  | { type: 'approval.requested'; approvalId: string; toolCallId?: string; tool: string; args: Record<string, unknown>; expiresAt: string }
  | { type: 'approval.decided'; approvalId: string; toolCallId?: string; decision: 'approve' | 'deny'; by?: string; reason?: string; expired?: true };

export interface StoredRunEvent {
  /** The Redis Stream id, sent as the SSE event id. */
  id: string;
  event: RunStreamEvent;
}

/** Terminal statuses: a live stream closes after one of these. */
export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'budget_exceeded', 'blocked']);

export interface RunEventsOptions {
  redis: Redis | Cluster;
  /** @default 'agentnest:' */
  prefix?: string;
  /** Newest events kept per run (older ones are trimmed); @default 1000 */
  maxEvents?: number;
  /** How long a run's events stay after its last one; @default 24 h */
  ttlMs?: number;
}

// Appends an event only while the run's record exists: after an erasure, a worker still finishing
// the run cannot recreate its stream. KEYS: stream, record. ARGV: max events, ttl ms, event JSON.
const APPEND = `if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id`;

type Scripted = (Redis | Cluster) & { agentnestRunEventAppend(stream: string, record: string, maxEvents: number, ttlMs: number, event: string): Promise<string | null> };

const toStored = ([id, fields]: [string, string[]]): StoredRunEvent => ({ id, event: JSON.parse(fields[1]) as RunStreamEvent });

/**
 * Per-run event log in a capped Redis Stream, keyed under the owner like the registry. Stream ids
 * are the SSE event ids, so a client reconnecting with Last-Event-ID gets exactly what it missed.
 */
export class RunEvents {
  private readonly redis: Redis | Cluster;
  readonly prefix: string;

  constructor(private readonly options: RunEventsOptions) {
    this.redis = options.redis;
    if (!(this.redis as Scripted).agentnestRunEventAppend) this.redis.defineCommand('agentnestRunEventAppend', { numberOfKeys: 2, lua: APPEND });
    this.prefix = options.prefix ?? 'agentnest:';
  }

  /** The Redis key of a run's stream (for the shared reader). */
  key(owner: RequestIdentity, runId: string): string {
    return ownerKeys(this.prefix, owner).events(runId);
  }

  /** Appends to the run's stream if the run is still recorded; false when it is not (erased or expired). */
  async append(owner: RequestIdentity, runId: string, event: RunStreamEvent): Promise<boolean> {
    const keys = ownerKeys(this.prefix, owner);
    const id = await (this.redis as Scripted).agentnestRunEventAppend(keys.events(runId), keys.record(runId), this.options.maxEvents ?? 1000, this.options.ttlMs ?? 86_400_000, JSON.stringify(event));
    return id !== null;
  }

  /** Stored events after `afterId` ('0' for all), at most `count`, without waiting. */
  async read(owner: RequestIdentity, runId: string, afterId: string, count = 1000): Promise<StoredRunEvent[]> {
    const reply = (await this.redis.xread('COUNT', count, 'STREAMS', this.key(owner, runId), afterId)) as Array<[string, Array<[string, string[]]>]> | null;
    return reply ? reply[0][1].map(toStored) : [];
  }

  /** The newest stored event of the run, if any. */
  async last(owner: RequestIdentity, runId: string): Promise<StoredRunEvent | undefined> {
    const [newest] = (await this.redis.xrevrange(this.key(owner, runId), '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
    return newest ? toStored(newest) : undefined;
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
      chain = chain.then(() => this.append(owner, runId, event)).then(() => undefined, () => undefined);
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
        // A sub-agent's own steps stay inside the tool call that ran it.
        if (e.parentRunId) return;
        if (e.type === 'llm.delta') {
          text += e.delta;
          timer ??= setTimeout(pushText, textBatchMs);
          return;
        }
        if (e.type !== 'tool.start' && e.type !== 'tool.end' && e.type !== 'llm.request') return;
        pushText();
        if (e.type === 'llm.request') push({ type: 'step' });
        else if (e.type === 'tool.start') push({ type: 'tool.start', toolCallId: e.toolCallId, tool: e.tool, args: e.args });
        else push({ type: 'tool.end', toolCallId: e.toolCallId, tool: e.tool, result: e.result, isError: e.isError });
      },
    };
  }
}

/** True for the event that ends a run's stream. */
export const isFinal = (e: RunStreamEvent) => e.type === 'status' && FINAL_STATUSES.has(e.status);
