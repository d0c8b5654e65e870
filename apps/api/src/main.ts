import { telemetry } from './instrumentation.js';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { AgentConfigError } from '@agentnest/agent';
import { hasRedis, loadAppConfig, type AppConfig } from './config/app-config.js';
import { ConfigError } from './config/config.error.js';
import { createApp, createWorker } from './create-app.js';
import { findOrStartLocalRedis } from './redis/local-redis.js';
import { assertRedisReachable } from './redis/redis-connection.js';

const log = new Logger('AgentNest');

// A promise that rejects where nobody awaits it must not end the process for every tenant: it is
// logged (class and code only: messages may carry data) and the service keeps serving.
process.on('unhandledRejection', (reason) => {
  const e = reason as { name?: unknown; code?: unknown } | null;
  log.error(`unhandled rejection: ${typeof e?.name === 'string' ? e.name : typeof reason}${typeof e?.code === 'string' ? ` (${e.code})` : ''}`);
});

/**
 * The one shutdown of both roles. SIGTERM or SIGINT closes the app through Nest's shutdown sequence
 * (`app.close()`, what `enableShutdownHooks` runs: every module's destroy and shutdown hooks, so the
 * queue worker takes no new job and lets active ones finish, and HTTP stops listening), flushes
 * telemetry, then exits 0 so 'exit' handlers run; past the grace period it exits 1 (another worker
 * takes the runs over). Installed before the app is built rather than with `enableShutdownHooks`
 * after: Nest starts the queue worker while it builds the app, and a signal from then on must close
 * it the same way; and that method ends the process by re-raising the signal (no exit 0), or exits
 * before telemetry is flushed.
 */
function closeOnSignals(app: Promise<INestApplicationContext>, graceMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      log.log(`${signal}: shutting down, letting active runs finish`);
      setTimeout(() => {
        log.warn('grace period over: exiting with runs still active (another worker will take them over)');
        process.exit(1);
      }, graceMs).unref();
      void app
        .then((built) => built.close())
        .then(() => telemetry.shutdown())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  }
}

/** Development without REDIS_URL: a Redis on loopback (found or started) so the queue works out of the box; it lives and dies with the service. */
async function withLocalRedis(config: AppConfig): Promise<AppConfig> {
  if (!config.localRedis) return config;
  const local = await findOrStartLocalRedis((line) => log.log(line));
  if (!local) return config;
  if (local.kill) process.once('exit', local.kill);
  return { ...config, redisUrl: local.url };
}

function listening(config: AppConfig): string {
  const { primary, fallback } = config.llm;
  const providers = fallback ? `${primary.kind}, falling back to ${fallback.kind}` : primary.kind;
  const jobs = hasRedis(config) ? (config.role === 'all' ? ', queue worker on' : ', queue producer only') : ', no queue (no REDIS_URL or REDIS_CLUSTER_NODES)';
  const memory = config.memoryStore === 'memory' ? 'in-memory' : config.memoryStore;
  const where = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `Listening on http://${where}:${config.port} (provider ${providers}, memory: ${memory}${jobs}, docs at /docs)`;
}

try {
  const env = { ...process.env };
  // Loaded and validated once; every module reads this object.
  let config = loadAppConfig(env);
  if (config.redisUrl) await assertRedisReachable(config.redisUrl);
  if (config.role === 'worker') {
    const worker = createWorker(env, true, config).then(({ app }) => app);
    closeOnSignals(worker, config.jobs.shutdownGraceMs);
    await worker;
    log.log(`Worker running queued agent runs (concurrency ${config.jobs.concurrency})`);
  } else {
    config = await withLocalRedis(config);
    const api = createApp(env, true, config).then(async ({ app }) => {
      await app.listen(config.port, config.host);
      return app;
    });
    closeOnSignals(api, config.jobs.shutdownGraceMs);
    await api;
    log.log(listening(config));
  }
} catch (err) {
  // A configuration mistake is one readable line, not a stack trace: the service's own checks, and the
  // libraries' at boot (an MCP server that cannot connect, a tool no agent can find).
  if (!(err instanceof ConfigError) && !(err instanceof AgentConfigError)) throw err;
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}
