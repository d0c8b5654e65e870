import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config.js';

/** The service's one Redis connection (when REDIS_URL is set), shared by every feature and closed on shutdown. */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client?: Redis;
  private readonly logger = new Logger('Redis');
  private lastError = '';
  private queueClient?: Redis;
  private readonly url?: string;

  constructor(config: ConfigService) {
    const { redisUrl } = config.getOrThrow<AppConfig>('app');
    this.url = redisUrl;
    if (!redisUrl) return;
    // Fail commands fast while Redis is away instead of queueing them behind a dead connection.
    this.client = this.watch(new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true }));
  }

  /** Logs connection trouble once per kind (class and code only: the URL may hold a password). */
  private watch(client: Redis): Redis {
    client.on('error', (err: Error) => {
      const kind = `${err.name}:${(err as { code?: string }).code ?? ''}`;
      if (kind !== this.lastError) this.logger.warn(`connection problem (${kind})`);
      this.lastError = kind;
    });
    client.on('ready', () => (this.lastError = ''));
    return client;
  }

  /** BullMQ's connection: workers block on it, so it is separate, and it retries forever (BullMQ requires that). */
  queue(): Redis {
    if (!this.url) throw new Error('REDIS_URL is not set');
    return (this.queueClient ??= this.watch(new Redis(this.url, { maxRetriesPerRequest: null })));
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for Redis; if Redis is gone, give up after a second rather than hang shutdown.
    const close = async (c: Redis) => {
      const timer = new Promise((r) => setTimeout(r, 1_000).unref());
      await Promise.race([c.quit().catch(() => undefined), timer]);
      c.disconnect();
    };
    await Promise.all([this.client, this.queueClient].filter((c): c is Redis => !!c).map(close));
  }
}
