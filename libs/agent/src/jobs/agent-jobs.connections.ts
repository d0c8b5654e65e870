import type { ConnectionOptions } from 'bullmq';
import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { AgentConfigError } from '../errors/agent.errors.js';
import type { AgentJobsConnection } from './agent-jobs.module-definition.js';

/** @default 10 s for the module's own Redis connections at init */
const READY_TIMEOUT_MS = 10_000;
/** Registry, events and wake-ups fail fast while Redis is away (requests see the failure at once). */
const FAIL_FAST = { maxRetriesPerRequest: 1, enableOfflineQueue: false };

const isClient = (c: unknown): c is Redis | Cluster => typeof (c as { duplicate?: unknown } | undefined)?.duplicate === 'function';

/** The Redis connections of the jobs module: the ones it opened itself are closed with the app. */
export class AgentJobsConnections {
  private constructor(
    /** Registry, events and wake-ups: fails fast while Redis is away. */
    readonly client: Redis | Cluster,
    /** BullMQ's connection: retries forever, as BullMQ requires. */
    readonly queue: Redis | Cluster,
    /** Those this module opened (and closes). */
    private readonly owned: Array<Redis | Cluster>,
  ) {}

  /** From the module's `connection` option. */
  static open(connection: AgentJobsConnection | undefined): AgentJobsConnections {
    if (connection === undefined) throw new AgentConfigError('AgentJobsModule needs `connection` (a Redis URL, ioredis options or clients) or a `configKey` naming a BullModule.forRoot configuration');
    if (typeof connection === 'object' && 'client' in connection) return new AgentJobsConnections(connection.client, connection.queueConnection, []);
    const make = (extra: object) => (typeof connection === 'string' ? new Redis(connection, extra) : new Redis({ ...connection, ...extra }));
    return AgentJobsConnections.owning(make(FAIL_FAST), make({ maxRetriesPerRequest: null }));
  }

  /** From a BullModule.forRoot configuration's connection: its client is BullMQ's (the app's); the fail-fast one is opened beside it. */
  static reuse(connection: ConnectionOptions | undefined, configKey: string): AgentJobsConnections {
    if (!connection) throw new AgentConfigError(`AgentJobsModule: the BullModule configuration '${configKey}' has no connection`);
    if (isClient(connection)) {
      const client = connection.isCluster ? (connection as Cluster).duplicate(undefined, { redisOptions: { ...(connection as Cluster).options.redisOptions, ...FAIL_FAST } }) : (connection as Redis).duplicate(FAIL_FAST);
      client.on('error', () => undefined);
      return new AgentJobsConnections(client, connection, [client]);
    }
    return AgentJobsConnections.open(connection as RedisOptions);
  }

  private static owning(client: Redis | Cluster, queue: Redis | Cluster): AgentJobsConnections {
    // Without a listener ioredis prints every failed reconnect as an unhandled error; requests see the failures themselves.
    for (const c of [client, queue]) c.on('error', () => undefined);
    return new AgentJobsConnections(client, queue, [client, queue]);
  }

  /**
   * Nest calls this at init: connections this module opened are ready before anything uses them
   * (the registry's connection fails fast, so a command sent while it connects would fail).
   */
  async onModuleInit(): Promise<void> {
    await Promise.all(this.owned.map((c) => ready(c)));
  }

  /** Nest calls this on app.close(); after BullMQ closed its queue and worker, which use these connections. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.owned.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

function ready(c: Redis | Cluster): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (c.status === 'ready') return resolve();
    const timer = setTimeout(() => reject(new AgentConfigError(`AgentJobsModule could not reach Redis within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    c.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
