import { Redis, type Cluster } from 'ioredis';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { AgentJobsRedis } from './agent-jobs.module-definition.js';

/** @default 10 s for the module's own Redis connections at init */
const READY_TIMEOUT_MS = 10_000;

/** The Redis connections of the jobs module: the ones it opened itself are closed with the app. */
export class AgentJobsConnections {
  private constructor(
    /** Registry, events and wake-ups: fails fast while Redis is away. */
    readonly client: Redis | Cluster,
    /** BullMQ's connection: retries forever, as BullMQ requires. */
    readonly queue: Redis | Cluster,
    private readonly owned: boolean,
  ) {}

  static open(redis: AgentJobsRedis): AgentJobsConnections {
    if (typeof redis === 'object' && 'client' in redis) return new AgentJobsConnections(redis.client, redis.queueConnection, false);
    const make = (extra: object) => (typeof redis === 'string' ? new Redis(redis, extra) : new Redis({ ...redis, ...extra }));
    const client = make({ maxRetriesPerRequest: 1, enableOfflineQueue: false });
    const queue = make({ maxRetriesPerRequest: null });
    // Without a listener ioredis prints every failed reconnect as an unhandled error; requests see the failures themselves.
    for (const c of [client, queue]) c.on('error', () => undefined);
    return new AgentJobsConnections(client, queue, true);
  }

  /**
   * Nest calls this at init: connections this module opened are ready before anything uses them
   * (the registry's connection fails fast, so a command sent while it connects would fail).
   */
  async onModuleInit(): Promise<void> {
    if (!this.owned) return;
    await Promise.all(
      [this.client, this.queue].map(
        (c) =>
          new Promise<void>((resolve, reject) => {
            if (c.status === 'ready') return resolve();
            const timer = setTimeout(() => reject(new AgentConfigError(`AgentJobsModule could not reach Redis within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
            c.once('ready', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  /** Nest calls this on app.close(); after BullMQ closed its queue and worker, which use these connections. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.owned) return;
    await Promise.all([this.client, this.queue].map((c) => c.quit().catch(() => c.disconnect())));
  }
}
