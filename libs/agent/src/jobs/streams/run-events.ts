import type { Cluster, Redis } from 'ioredis';
import type { FinishReason, Usage } from '@agentnest/providers';
import type { AgentEvent, Recorder } from '../../events/agent-event.js';
import type { RequestIdentity } from '../../context/request-identity.js';
import { ownerKeys } from '../redis/owner-tag.js';
import { currentRunFields } from '../runs/run-record.js';
import { appendEvents } from './append-events.script.js';

/** What a client sees of a run as it happens. */
export type RunStreamEvent =
  | { type: 'status'; status: string; text?: string; finishReason?: FinishReason; error?: { code: string; message: string }; pauseData?: unknown; usage?: Usage; toolCallId?: string }
  /** The run asks the model again (a new step of the run). */
  | { type: 'step' }
  | { type: 'tool.start'; toolCallId?: string; tool: string; args: Record<string, unknown> }
  | { type: 'tool.end'; toolCallId?: string; tool: string; result: string; isError: boolean }
  | { type: 'text'; delta: string }
  | { type: 'approval.requested'; approvalId: string; toolCallId?: string; tool: string; args: Record<string, unknown>; expiresAt: string }
  | { type: 'approval.decided'; approvalId: string; toolCallId?: string; decision: 'approve' | 'deny'; by?: string; reason?: string; expired?: true };

/** A run event as kept in the run's Redis Stream, with its id (what SSE `Last-Event-ID` resumes from). */
export interface StoredRunEvent {
  /** The Redis Stream id, sent as the SSE event id. */
  id: string;
  /** The event itself. */
  event: RunStreamEvent;
}

/** Terminal statuses: a live stream closes after one of these. */
export const FINAL_STATUSES = new Set(['completed', 'failed', 'cancelled', 'budget_exceeded', 'blocked']);

/** @default newest events kept per run */
export const DEFAULT_MAX_EVENTS = 1000;
/** @default how long a run's events stay after its last one: 24 h */
export const DEFAULT_EVENTS_TTL_MS = 86_400_000;

export interface RunEventsOptions {
  redis: Redis | Cluster;
  /** @default 'agentnest:' */
  prefix?: string;
  /** Newest events kept per run (older ones are trimmed); @default 1000 */
  maxEvents?: number;
  /** How long a run's events stay after its last one; @default 24 h */
  ttlMs?: number;
}

const toStored = ([id, fields]: [string, string[]]): StoredRunEvent => ({ id, event: currentRunFields(JSON.parse(fields[1]) as RunStreamEvent) });

/** A run's stream recorder: `flush` writes what is pending and waits; `drain` hands what is not written yet to the caller (who writes it with the run's final status). */
export type RunStreamRecorder = Recorder & { flush(): Promise<void>; drain(): Promise<RunStreamEvent[]> };

/**
 * Per-run event log in a capped Redis Stream, keyed under the owner like the registry. Stream ids
 * are the SSE event ids, so a client reconnecting with Last-Event-ID gets exactly what it missed.
 */
export class RunEvents {
  private readonly redis: Redis | Cluster;
  readonly prefix: string;

  constructor(private readonly options: RunEventsOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'agentnest:';
  }

  /** The Redis key of a run's stream (for the shared reader). */
  key(owner: RequestIdentity, runId: string): string {
    return ownerKeys(this.prefix, owner).events(runId);
  }

  /** Appends to the run's stream if the run is still recorded; false when it is not (erased or expired). */
  append(owner: RequestIdentity, runId: string, event: RunStreamEvent): Promise<boolean> {
    return this.appendAll(owner, runId, [event]);
  }

  /** Appends several events in order, in one round trip, if the run is still recorded. */
  async appendAll(owner: RequestIdentity, runId: string, events: RunStreamEvent[]): Promise<boolean> {
    const keys = ownerKeys(this.prefix, owner);
    const appended = await appendEvents(this.redis, { stream: keys.events(runId), record: keys.record(runId), maxEvents: this.options.maxEvents ?? DEFAULT_MAX_EVENTS, ttlMs: this.options.ttlMs ?? DEFAULT_EVENTS_TTL_MS, events });
    return appended === 1;
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
   * failing the run. What arrives within `batchMs` of the first pending event goes out together, one
   * round trip per batch, and deltas in a row share one event, so a model streaming token by token
   * does not cost a Redis write per token. A run that finishes within the window writes none of them
   * itself: they go with its final status (`drain`), and it never armed more than one timer.
   * `opening`, when given, writes the first batch instead (a worker's claim that carries it), within
   * `batchMs` of the start even if the run has sent nothing by then; a run that finishes first never
   * calls it.
   */
  recorder(owner: RequestIdentity, runId: string, options: { batchMs?: number; opening?: (events: RunStreamEvent[]) => Promise<unknown> } = {}): RunStreamRecorder {
    const batchMs = options.batchMs ?? 25;
    let opening = options.opening;
    let pending: RunStreamEvent[] = [];
    let text = '';
    let writing = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    const pushText = () => {
      if (text) pending.push({ type: 'text', delta: text });
      text = '';
    };
    const arm = () => {
      timer ??= setTimeout(write, batchMs);
    };
    const disarm = () => {
      clearTimeout(timer);
      timer = undefined;
    };
    // Everything waiting, the text so far last; nothing is armed after it.
    const take = () => {
      disarm();
      pushText();
      const batch = pending;
      pending = [];
      return batch;
    };
    const send = (batch: RunStreamEvent[]) => {
      const open = opening;
      opening = undefined;
      return open ? open(batch) : this.appendAll(owner, runId, batch);
    };
    const write = () => {
      const batch = take();
      if (batch.length || opening) writing = writing.then(() => send(batch)).then(() => undefined, () => undefined);
      return writing;
    };
    if (opening) arm();
    return {
      flush: write,
      drain: async () => {
        // What is already on its way lands first; the window does not close meanwhile, so the caller's events follow it.
        disarm();
        await writing;
        return take();
      },
      onEvent: (e: AgentEvent) => {
        // A sub-agent's own steps stay inside the tool call that ran it.
        if (e.parentRunId) return;
        if (e.type === 'llm.delta') text += e.delta;
        else if (e.type === 'tool.start' || e.type === 'tool.end' || e.type === 'llm.request') {
          pushText();
          if (e.type === 'llm.request') pending.push({ type: 'step' });
          else if (e.type === 'tool.start') pending.push({ type: 'tool.start', toolCallId: e.toolCallId, tool: e.tool, args: e.args });
          else pending.push({ type: 'tool.end', toolCallId: e.toolCallId, tool: e.tool, result: e.result, isError: e.isError });
        } else return;
        arm();
      },
    };
  }
}

/** True for the event that ends a run's stream. */
export const isFinal = (e: RunStreamEvent) => e.type === 'status' && FINAL_STATUSES.has(e.status);
