import { telemetry } from './instrumentation.js';
import { Logger } from '@nestjs/common';
import { AgentConfigError } from '@agentnest/agent';
import { hasRedis, loadAppConfig } from './config/app-config.js';
import { ConfigError } from './config/config.error.js';
import { createApp, createWorker } from './create-app.js';
import { findOrStartLocalRedis } from './redis/local-redis.js';
import { assertRedisReachable } from './redis/redis-connection.js';

// A promise that rejects where nobody awaits it must not end the process for every tenant: it is
// logged (class and code only: messages may carry data) and the service keeps serving.
process.on('unhandledRejection', (reason) => {
  const e = reason as { name?: unknown; code?: unknown } | null;
  new Logger('AgentNest').error(`unhandled rejection: ${typeof e?.name === 'string' ? e.name : typeof reason}${typeof e?.code === 'string' ? ` (${e.code})` : ''}`);
});

try {
  const log = new Logger('AgentNest');
  const env = { ...process.env };
  const { redisUrl, role } = loadAppConfig(env);
  if (redisUrl) await assertRedisReachable(redisUrl);
  if (role === 'worker') {
    // Installed before the app exists: Nest starts the queue worker while it builds the context
    // (createApplicationContext runs init), and a SIGTERM from then on must let the runs it took
    // finish, not kill the process mid-run.
    const started = createWorker(env).then(async (worker) => {
      await worker.app.init();
      return worker;
    });
    // SIGTERM: take no new jobs, let active ones finish within the grace period, then exit 0.
    process.once('SIGTERM', () => {
      log.log('SIGTERM: finishing active runs');
      setTimeout(() => {
        log.warn('grace period over: exiting with runs still active (another worker will take them over)');
        process.exit(1);
      }, loadAppConfig(env).jobs.shutdownGraceMs).unref();
      void started
        .then(({ app }) => app.close())
        .then(() => telemetry.shutdown())
        .then(() => process.exit(0));
    });
    const { config } = await started;
    log.log(`Worker running queued agent runs (concurrency ${config.jobs.concurrency})`);
  } else {
    // Development without REDIS_URL: use a Redis on loopback (found or started) so the queue works out of the box.
    const local = loadAppConfig(env).localRedis ? await findOrStartLocalRedis((line) => log.log(line)) : undefined;
    if (local) env.REDIS_URL = local.url;
    const { app, config } = await createApp(env);
    // SIGTERM/SIGINT: close the app (its shutdown hooks), flush telemetry, then exit so 'exit' handlers run.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void app
          .close()
          .then(() => telemetry.shutdown())
          .finally(() => process.exit(0));
      });
    }
    // A private redis-server lives and dies with the service (shutdown hooks end the process with exit()).
    if (local?.kill) process.once('exit', local.kill);
    await app.listen(config.port, config.host);
    const { primary, fallback } = config.llm;
    const providers = fallback ? `${primary.kind}, falling back to ${fallback.kind}` : primary.kind;
    const jobs = hasRedis(config) ? (config.role === 'all' ? ', queue worker on' : ', queue producer only') : ', no queue (no REDIS_URL or REDIS_CLUSTER_NODES)';
    const memory = config.memoryStore === 'memory' ? 'in-memory' : config.memoryStore;
    const where = config.host.includes(':') ? `[${config.host}]` : config.host;
    log.log(`Listening on http://${where}:${config.port} (provider ${providers}, memory: ${memory}${jobs}, docs at /docs)`);
  }
} catch (err) {
  // A configuration mistake is one readable line, not a stack trace: the service's own checks, and the
  // libraries' at boot (an MCP server that cannot connect, a tool no agent can find).
  if (!(err instanceof ConfigError) && !(err instanceof AgentConfigError)) throw err;
  console.error(`Configuration error: ${err.message}`);
  process.exit(1);
}
