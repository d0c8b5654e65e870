import type { Redis } from 'ioredis';
import type { RunStreamEvent, StoredRunEvent } from './run-events.js';
import { compareStreamIds } from './stream-id.js';

interface Watcher {
  after: string;
  deliver(events: StoredRunEvent[]): void;
}

export interface RunStreamHubOptions {
  /** The app's shared connection: the hub duplicates it once for its blocking reads and sends wake-ups on it. */
  redis: Redis;
  /** Longest single blocking read; a new watcher is picked up at once (CLIENT UNBLOCK), at worst after this; @default 2000 */
  blockMs?: number;
  /** Pause after a failed read (Redis away) before trying again; @default 500 */
  retryMs?: number;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Every live run stream of a process, served by one blocking Redis connection: a single XREAD
 * waits on all watched streams at once and hands each watcher what is newer than its own cursor.
 * A thousand followers cost one connection, not a thousand.
 */
export class RunStreamHub {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private reader?: Redis;
  private readerId?: number;
  private running = false;
  private blocked = false;
  private closed = false;

  constructor(private readonly options: RunStreamHubOptions) {}

  /** Delivers the stream's entries after `after` as they arrive, until the returned function is called. */
  watch(key: string, after: string, deliver: (events: StoredRunEvent[]) => void): () => void {
    const watcher: Watcher = { after, deliver };
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(watcher);
    this.wake();
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }

  /** Nest calls this on app.close() when the hub is a provider. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    this.reader?.disconnect();
  }

  private wake(): void {
    if (this.closed) return;
    if (!this.running) {
      this.running = true;
      void this.loop();
    } else if (this.blocked && this.readerId !== undefined) {
      // The read in flight does not name the new stream: end it now so the next one does.
      this.options.redis.client('UNBLOCK', this.readerId).catch(() => undefined);
    }
  }

  private async connect(): Promise<Redis> {
    if (!this.reader) {
      // Queues commands until connected, and never times a blocking read out, whatever the app's connection does.
      const reader = this.options.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
      // Connection trouble shows in the shared connection's log; an unhandled 'error' would print a stack per retry.
      reader.on('error', () => undefined);
      reader.on('ready', () => {
        this.readerId = undefined;
      });
      this.reader = reader;
    }
    this.readerId ??= Number(await this.reader.client('ID'));
    return this.reader;
  }

  private async loop(): Promise<void> {
    try {
      while (this.watchers.size > 0 && !this.closed) {
        let reply: XReadReply;
        try {
          const reader = await this.connect();
          // From here to sending the read nothing awaits, so a watcher added later sees `blocked` and wakes it.
          const keys = [...this.watchers.keys()];
          const ids = keys.map((k) => oldest(this.watchers.get(k)!));
          this.blocked = true;
          reply = (await reader.xread('COUNT', 100, 'BLOCK', this.options.blockMs ?? 2_000, 'STREAMS', ...keys, ...ids)) as XReadReply;
        } catch {
          if (this.closed) return;
          await new Promise((r) => setTimeout(r, this.options.retryMs ?? 500).unref());
          continue;
        } finally {
          this.blocked = false;
        }
        for (const [key, entries] of reply ?? []) {
          const events = entries.map(([id, fields]) => ({ id, event: JSON.parse(fields[1]) as RunStreamEvent }));
          for (const w of this.watchers.get(key) ?? []) {
            const fresh = events.filter((e) => compareStreamIds(e.id, w.after) > 0);
            if (!fresh.length) continue;
            w.after = fresh[fresh.length - 1].id;
            w.deliver(fresh);
          }
        }
      }
    } finally {
      this.running = false;
    }
  }
}

function oldest(watchers: Set<Watcher>): string {
  let min: string | undefined;
  for (const w of watchers) if (min === undefined || compareStreamIds(w.after, min) < 0) min = w.after;
  return min ?? '0-0';
}
