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
    this.client = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true });
    this.client.on('error', (err: Error) => {
      // The URL may hold a password: log the error class and code only, and once per kind.
      const kind = `${err.name}:${(err as { code?: string }).code ?? ''}`;
      if (kind !== this.lastError) this.logger.warn(`connection problem (${kind})`);
      this.lastError = kind;
    });
    this.client.on('ready', () => (this.lastError = ''));
  }

  /** BullMQ's connection: workers block on it, so it is separate, and it retries forever (BullMQ requires that). */
  queue(): Redis {
    if (!this.url) throw new Error('REDIS_URL is not set');
    return (this.queueClient ??= new Redis(this.url, { maxRetriesPerRequest: null }));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const c of [this.client, this.queueClient]) if (c) await c.quit().catch(() => c.disconnect());
  }
}
