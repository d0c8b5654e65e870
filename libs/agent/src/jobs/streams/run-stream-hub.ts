import type { Cluster, Redis } from 'ioredis';
import { dedicatedConnection, hashTag } from '../redis/dedicated-connection.js';
import type { RunStreamEvent, StoredRunEvent } from './run-events.js';
import { currentRunFields } from '../runs/run-record.js';
import { compareStreamIds } from './stream-id.js';

interface Watcher {
  after: string;
  deliver(events: StoredRunEvent[]): void;
}

export interface RunStreamHubOptions {
  /** The app's shared connection (a Redis or a Cluster): the hub opens its blocking readers from it and sends wake-ups on it. */
  redis: Redis | Cluster;
  /** Longest single blocking read; a new watcher is picked up at once (CLIENT UNBLOCK), at worst after this; @default 2000, 250 on a cluster */
  blockMs?: number;
  /** Pause after a failed read (Redis away) before trying again; @default 500 */
  retryMs?: number;
}

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

/**
 * Every live run stream of a process, served by blocking Redis readers: one XREAD waits on all
 * watched streams at once and hands each watcher what is newer than its own cursor, so a thousand
 * followers cost one connection, not a thousand. On a Redis Cluster one XREAD may only name keys
 * of one slot, so there is a reader per hash tag (a run's streams are tagged by their owner: one
 * reader per user following runs on this instance), each closed when its last watcher leaves.
 */
export class RunStreamHub {
  private readonly readers = new Map<string, StreamReader>();
  private closed = false;

  constructor(private readonly options: RunStreamHubOptions) {}

  /** Delivers the stream's entries after `after` as they arrive, until the returned function is called. */
  watch(key: string, after: string, deliver: (events: StoredRunEvent[]) => void): () => void {
    const group = this.options.redis.isCluster ? hashTag(key) : '';
    let reader = this.readers.get(group);
    if (!reader) this.readers.set(group, (reader = new StreamReader(this.options, () => this.closed)));
    const stop = reader.watch(key, after, deliver);
    return () => {
      stop();
      if (reader.idle && this.readers.get(group) === reader) {
        this.readers.delete(group);
        reader.close();
      }
    };
  }

  /** Nest calls this on app.close() when the hub is a provider. */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const reader of this.readers.values()) reader.close();
    this.readers.clear();
  }
}

/** One blocking reader over a set of streams that one XREAD may name together. */
class StreamReader {
  private readonly watchers = new Map<string, Set<Watcher>>();
  private reader?: Redis | Cluster;
  private readerId?: number;
  private running = false;
  private blocked = false;
  private closed = false;
  private readonly cluster: boolean;

  constructor(
    private readonly options: RunStreamHubOptions,
    private readonly hubClosed: () => boolean,
  ) {
    this.cluster = options.redis.isCluster;
  }

  get idle(): boolean {
    return this.watchers.size === 0;
  }

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

  close(): void {
    this.closed = true;
    this.watchers.clear();
    this.reader?.disconnect();
  }

  private wake(): void {
    if (this.closed || this.hubClosed()) return;
    if (!this.running) {
      this.running = true;
      void this.loop();
    } else if (this.blocked && this.readerId !== undefined) {
      // The read in flight does not name the new stream: end it now so the next one does.
      (this.options.redis as Redis).client('UNBLOCK', this.readerId).catch(() => undefined);
    }
  }

  private async connect(): Promise<Redis | Cluster> {
    if (!this.reader) {
      const reader = dedicatedConnection(this.options.redis);
      reader.on('ready', () => {
        this.readerId = undefined;
      });
      this.reader = reader;
    }
    // On a cluster CLIENT UNBLOCK would have to reach the reader's node: a short block picks new streams up instead.
    if (!this.cluster) this.readerId ??= Number(await (this.reader as Redis).client('ID'));
    return this.reader;
  }

  private async loop(): Promise<void> {
    try {
      while (this.watchers.size > 0 && !this.closed && !this.hubClosed()) {
        let reply: XReadReply;
        try {
          const reader = await this.connect();
          // From here to sending the read nothing awaits, so a watcher added later sees `blocked` and wakes it.
          const keys = [...this.watchers.keys()];
          const ids = keys.map((k) => oldest(this.watchers.get(k)!));
          this.blocked = true;
          reply = (await reader.xread('COUNT', 100, 'BLOCK', this.options.blockMs ?? (this.cluster ? 250 : 2_000), 'STREAMS', ...keys, ...ids)) as XReadReply;
        } catch {
          if (this.closed || this.hubClosed()) return;
          await new Promise((r) => setTimeout(r, this.options.retryMs ?? 500).unref());
          continue;
        } finally {
          this.blocked = false;
        }
        for (const [key, entries] of reply ?? []) {
          const events = entries.map(([id, fields]) => ({ id, event: currentRunFields(JSON.parse(fields[1]) as RunStreamEvent) }));
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
