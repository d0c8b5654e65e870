import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Cluster, Redis } from 'ioredis';
import type { AppConfig, RedisClusterConfig } from '../config/app-config.js';
import { ConfigError } from '../config/config.error.js';

/** @default 3 s for Redis to answer at boot */
const BOOT_TIMEOUT_MS = 3_000;

/**
 * Boot refuses an unreachable Redis before anything else connects (BullMQ's connections would
 * print every failed retry): one line naming REDIS_URL, like any other bad setting.
 */
export async function assertRedisReachable(url: string, timeoutMs = BOOT_TIMEOUT_MS): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let cause = 'no answer';
  probe.on('error', (err: Error & { code?: string }) => (cause = err.code ?? err.name));
  try {
    await probe.connect();
    await probe.ping();
  } catch {
    // Class or code only: the URL, and so the error message, may hold a password.
    throw new ConfigError('REDIS_URL', `could not be reached (${cause})`);
  } finally {
    probe.disconnect();
  }
}

/** A Cluster client for the service's settings; `redisOptions` apply to its connection to each node. */
function clusterClient(cluster: RedisClusterConfig, redisOptions: Record<string, unknown>, options: Record<string, unknown> = {}): Cluster {
  return new Cluster(cluster.nodes, { ...options, redisOptions: { ...redisOptions, ...(cluster.password ? { password: cluster.password } : {}), ...(cluster.tls ? { tls: {} } : {}) } });
}

/** The service's one Redis connection (when REDIS_URL or REDIS_CLUSTER_NODES is set), shared by every feature and closed on shutdown. */
@Injectable()
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client?: Redis | Cluster;
  private readonly logger = new Logger('Redis');
  private lastError = '';
  private queueClient?: Redis | Cluster;
  private readonly url?: string;
  private readonly cluster?: RedisClusterConfig;

  constructor(config: ConfigService) {
    const { redisUrl, redisCluster } = config.getOrThrow<AppConfig>('app');
    this.url = redisUrl;
    this.cluster = redisCluster;
    // Fail commands at once while Redis is away (503 within the request) instead of queueing them
    // behind a reconnecting connection; connections made from it (duplicate) queue until ready.
    const failFast = { maxRetriesPerRequest: 1, connectTimeout: 2_000 };
    if (redisUrl) this.client = this.watch(new Redis(redisUrl, { ...failFast, enableOfflineQueue: false }));
    // A cluster client queues while it (re)discovers the slots, so a failover waits out the promotion instead of failing every command.
    else if (redisCluster) this.client = this.watch(clusterClient(redisCluster, failFast, { enableOfflineQueue: true, slotsRefreshTimeout: 2_000 }));
  }

  /** Boot waits for Redis: unreachable, it stops with one line naming the setting like any other. */
  async onModuleInit(): Promise<void> {
    const client = this.client;
    if (!client || client.status === 'ready') return;
    const ready = new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), BOOT_TIMEOUT_MS).unref());
    if ((await Promise.race([ready, timeout])) === 'timeout') {
      throw new ConfigError(this.cluster ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL', `could not be reached within ${BOOT_TIMEOUT_MS / 1000} s (${this.lastError || 'no answer'})`);
    }
  }

  /** True when Redis answers a PING within `timeoutMs`. */
  async ping(timeoutMs = 1_000): Promise<boolean> {
    if (!this.client) return false;
    const answered = this.client.ping().then(
      () => true,
      () => false,
    );
    return Promise.race([answered, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
  }

  /** Logs connection trouble once per kind (class and code only: the URL may hold a password). */
  private watch<C extends Redis | Cluster>(client: C): C {
    client.on('error', (err: Error) => {
      const kind = `${err.name}:${(err as { code?: string }).code ?? ''}`;
      if (kind !== this.lastError) this.logger.warn(`connection problem (${kind})`);
      this.lastError = kind;
    });
    client.on('ready', () => (this.lastError = ''));
    return client;
  }

  /** BullMQ's connection: workers block on it, so it is separate, and it retries forever (BullMQ requires that). */
  queue(): Redis | Cluster {
    if (this.cluster) return (this.queueClient ??= this.watch(clusterClient(this.cluster, { maxRetriesPerRequest: null })));
    if (!this.url) throw new Error('REDIS_URL is not set');
    return (this.queueClient ??= this.watch(new Redis(this.url, { maxRetriesPerRequest: null })));
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for Redis; if Redis is gone, give up after a second rather than hang shutdown.
    const close = async (c: Redis | Cluster) => {
      const timer = new Promise((r) => setTimeout(r, 1_000).unref());
      await Promise.race([c.quit().catch(() => undefined), timer]);
      c.disconnect();
    };
    await Promise.all([this.client, this.queueClient].filter((c): c is Redis | Cluster => !!c).map(close));
  }
}
