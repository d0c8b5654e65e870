import { telemetryWanted } from '@agentnest/observability';
import { randomBytes } from 'node:crypto';
import { DEFAULT_APPROVAL_TTL_MS, DEFAULT_CHECKPOINT_TTL_MS, MAX_CHECKPOINT_TTL_MS, MIN_CHECKPOINT_SECRET_LENGTH, type GuardrailOptions, type McpClientOptions, type ToolPolicy, type AgentAccessPolicy } from '@agentnest/agent';
import { ApiKeyRegistry, DEV_API_KEYS, parseApiKeys } from './api-keys.js';
import { ConfigError } from './config.error.js';
import { BODY_TIMEOUT_MS } from '../http/json-body.middleware.js';
import { loadCostConfig, type CostConfig } from './cost-config.js';
import { loadAgentAccess, loadToolPolicy } from './policy-config.js';
import { loadGuardrails } from './guardrails-config.js';
import { loadMcpServers } from './mcp-config.js';
import { awsCredentials, loadLlmConfig, url, type AwsCredentials, type LlmConfig } from './llm-config.js';

/** Addresses only this machine can reach. */
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

/** The validated settings of the reference service. Read through ConfigService under the key `app`. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /** Interface to listen on; @default 127.0.0.1 outside production (the dev key is well known), all interfaces in production */
  host: string;
  /** How long a client may take to send a request body (BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /** Per-conversation caps of the memory store (MEMORY_MAX_MESSAGES, MEMORY_TTL_DAYS). */
  memoryCaps: { maxMessages: number; ttlMs: number };
  /** How long a checkpoint may be resumed (CHECKPOINT_TTL). */
  checkpointTtlMs: number;
  /** How long a tool call waits for an approval before it counts as denied (APPROVAL_TTL, at most CHECKPOINT_TTL). */
  approvalTtlMs: number;
  apiKeys: ApiKeyRegistry;
  /** True when no API_KEYS was given and the development key is accepted. */
  devKey: boolean;
  checkpointSecret: string;
  /** True when CHECKPOINT_SECRET was absent and a per-process secret was generated. */
  checkpointSecretGenerated: boolean;
  llm: LlmConfig;
  cost: CostConfig;
  /** MCP servers whose tools the demo agents get (MCP_SERVERS). */
  mcpServers: McpClientOptions[];
  /** The demo agents' tool policy (TOOL_POLICY). */
  toolPolicy?: ToolPolicy;
  /** Who may call which agent (AGENT_ACCESS). */
  agentAccess?: AgentAccessPolicy;
  /** Guardrails of every agent, per tenant (GUARDRAILS). */
  guardrails?: GuardrailOptions;
  /** pino level for the JSON logs. */
  logLevel: string;
  /** Record prompts, replies and tool arguments on spans (OTEL_CAPTURE_CONTENT). */
  telemetryCaptureContent: boolean;
  /** OpenTelemetry is on (an OTLP endpoint is set): only then are runs and jobs traced. */
  telemetry: boolean;
  /** Shared state (breaker, budgets); without it that state is per process. */
  redisUrl?: string;
  /** A Redis Cluster instead (REDIS_CLUSTER_NODES, REDIS_PASSWORD, REDIS_TLS). */
  redisCluster?: RedisClusterConfig;
  /** Prefix of every Redis key the service writes; @default 'agentnest:' */
  redisPrefix: string;
  /** Where conversations live; @default 'redis' in production, 'memory' otherwise */
  memoryStore: 'memory' | 'redis' | 'postgres' | 'agentcore';
  databaseUrl?: string;
  agentcore?: { memoryId: string; region: string; endpoint?: string; credentials?: AwsCredentials };
  /** Run database migrations at boot; @default false */
  databaseMigrate: boolean;
  /** api: HTTP only; worker: runs queued jobs, no HTTP; all: both; @default 'all' */
  role: 'api' | 'worker' | 'all';
  /** Find or start a Redis on loopback at boot (development without REDIS_URL). */
  localRedis: boolean;
  jobs: { concurrency: number; attempts: number; backoffMs: number; lockMs: number; shutdownGraceMs: number; maxStreamsPerTenant: number; maxRunsPerTenant: number; outageMaxMs: number };
  /** The provider's circuit breaker (LLM_BREAKER_FAILURES, LLM_BREAKER_COOLDOWN_MS). */
  breaker: { failureThreshold: number; cooldownMs: number };
}

export interface RedisClusterConfig {
  nodes: Array<{ host: string; port: number }>;
  password?: string;
  tls: boolean;
}

/** True when the service has a Redis (one, or a cluster): the queue, shared state and the Redis memory store need it. */
export const hasRedis = (config: Pick<AppConfig, 'redisUrl' | 'redisCluster'>): boolean => !!(config.redisUrl || config.redisCluster);

/** REDIS_CLUSTER_NODES=host:port,... (seed nodes; the client finds the rest). */
function loadRedisCluster(env: Record<string, string | undefined>): RedisClusterConfig | undefined {
  const raw = env.REDIS_CLUSTER_NODES;
  if (!raw) return undefined;
  const nodes = raw.split(',').map((entry) => {
    const m = /^\s*([A-Za-z0-9.-]{1,253}|\[[0-9a-fA-F:]{2,39}\]):(\d{1,5})\s*$/.exec(entry);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65_535) throw new ConfigError('REDIS_CLUSTER_NODES', 'must be host:port entries separated by commas');
    return { host: m[1].replace(/^\[|\]$/g, ''), port };
  });
  if (nodes.length > 64) throw new ConfigError('REDIS_CLUSTER_NODES', 'lists more than 64 seed nodes');
  const tls = env.REDIS_TLS || 'false';
  if (tls !== 'true' && tls !== 'false') throw new ConfigError('REDIS_TLS', 'must be true or false');
  return { nodes, password: env.REDIS_PASSWORD || undefined, tls: tls === 'true' };
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration like `7d`, `12h`, `30m` or `90s` (a bare number is seconds), within [min, max] ms. */
function duration(env: Record<string, string | undefined>, name: string, fallbackMs: number, minMs: number, maxMs: number, maxName = `${maxMs / 86_400_000} days`): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return Math.min(fallbackMs, maxMs);
  const m = /^(\d{1,9})([smhd]?)$/.exec(raw);
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] || 's'] : NaN;
  if (!(ms >= minMs && ms <= maxMs)) throw new ConfigError(name, `must be a duration like 7d, 12h, 30m or 90s, from ${minMs / 1000} s to ${maxName}`);
  return ms;
}

function intInRange(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max}`);
  return n;
}

type Env = Record<string, string | undefined>;

function listener(env: Env, production: boolean): { port: number; host: string } {
  const port = Number(env.PORT ?? '3000');
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (env.PORT !== undefined && !/^\d+$/.test(env.PORT))) {
    throw new ConfigError('PORT', 'must be an integer from 0 to 65535');
  }
  const host = env.HOST || (production ? '0.0.0.0' : '127.0.0.1');
  if (!/^[\w.:-]{1,253}$/.test(host)) throw new ConfigError('HOST', 'must be an interface address or host name (e.g. 127.0.0.1, 0.0.0.0, ::)');
  return { port, host };
}

function apiKeysOf(env: Env, production: boolean, host: string): { apiKeys: ApiKeyRegistry; devKey: boolean } {
  if (env.API_KEYS !== undefined && env.API_KEYS.trim() !== '') return { apiKeys: parseApiKeys(env.API_KEYS), devKey: false };
  if (production) throw new ConfigError('API_KEYS', 'is required when NODE_ENV=production');
  // The development keys are published in the README: only a loopback listener may accept them.
  if (!LOOPBACK.test(host)) throw new ConfigError('API_KEYS', 'is required when HOST is not a loopback address (the development keys are public)');
  return { apiKeys: new ApiKeyRegistry(DEV_API_KEYS.map(([key, owner]) => [key, owner])), devKey: true };
}

function checkpointSecretOf(env: Env, production: boolean): { checkpointSecret: string; checkpointSecretGenerated: boolean } {
  const checkpointSecret = env.CHECKPOINT_SECRET;
  if (checkpointSecret === undefined || checkpointSecret === '') {
    if (production) throw new ConfigError('CHECKPOINT_SECRET', 'is required when NODE_ENV=production');
    return { checkpointSecret: randomBytes(32).toString('base64url'), checkpointSecretGenerated: true };
  }
  if (checkpointSecret.length < MIN_CHECKPOINT_SECRET_LENGTH) throw new ConfigError('CHECKPOINT_SECRET', `must be at least ${MIN_CHECKPOINT_SECRET_LENGTH} characters`);
  return { checkpointSecret, checkpointSecretGenerated: false };
}

function redisOf(env: Env, production: boolean, llm: AppConfig['llm']): Pick<AppConfig, 'redisUrl' | 'redisCluster' | 'redisPrefix'> & { redis: boolean } {
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  const redisCluster = loadRedisCluster(env);
  if (redisUrl && redisCluster) throw new ConfigError('REDIS_CLUSTER_NODES', 'cannot be set together with REDIS_URL (one Redis, or a cluster)');
  const redis = !!(redisUrl || redisCluster);
  // Instances must agree on breaker state in production; a per-process breaker would let each keep hammering a dead vendor.
  if (production && llm.primary.kind !== 'mock' && !redis) throw new ConfigError('REDIS_URL', 'is required when NODE_ENV=production with a real LLM provider (the circuit breaker is shared through it; or REDIS_CLUSTER_NODES)');
  const redisPrefix = env.REDIS_KEY_PREFIX ?? 'agentnest:';
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) throw new ConfigError('REDIS_KEY_PREFIX', 'must be 1-64 characters of letters, digits, : . _ -');
  return { redisUrl, redisCluster, redis, redisPrefix };
}

function memoryOf(env: Env, production: boolean, redis: boolean): Pick<AppConfig, 'memoryStore' | 'agentcore' | 'databaseUrl' | 'databaseMigrate'> {
  const memoryStore = env.MEMORY_STORE || (production ? 'redis' : 'memory');
  if (memoryStore !== 'memory' && memoryStore !== 'redis' && memoryStore !== 'postgres' && memoryStore !== 'agentcore') throw new ConfigError('MEMORY_STORE', 'must be memory, redis, postgres or agentcore');
  let agentcore: AppConfig['agentcore'];
  if (memoryStore === 'agentcore') {
    const memoryId = env.AGENTCORE_MEMORY_ID;
    if (!memoryId || !/^[\w-]{1,128}$/.test(memoryId)) throw new ConfigError('AGENTCORE_MEMORY_ID', 'is required when MEMORY_STORE=agentcore (the Memory resource id)');
    if (!env.AWS_REGION) throw new ConfigError('AWS_REGION', 'is required when MEMORY_STORE=agentcore');
    agentcore = { memoryId, region: env.AWS_REGION, endpoint: url(env, 'AGENTCORE_ENDPOINT'), credentials: awsCredentials(env) };
  }
  if (memoryStore === 'redis' && !redis) throw new ConfigError('REDIS_URL', `is required when MEMORY_STORE=redis${env.MEMORY_STORE ? '' : ' (the production default)'}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL');
  if (memoryStore === 'postgres' && !databaseUrl) throw new ConfigError('DATABASE_URL', 'is required when MEMORY_STORE=postgres');
  const migrateFlag = env.DATABASE_MIGRATE ?? 'false';
  if (migrateFlag !== 'true' && migrateFlag !== 'false') throw new ConfigError('DATABASE_MIGRATE', 'must be true or false');
  return { memoryStore, agentcore, databaseUrl, databaseMigrate: migrateFlag === 'true' };
}

function processOf(env: Env, nodeEnv: string, redis: boolean): Pick<AppConfig, 'role' | 'logLevel' | 'telemetryCaptureContent' | 'localRedis'> {
  const role = env.APP_ROLE || 'all';
  if (role !== 'api' && role !== 'worker' && role !== 'all') throw new ConfigError('APP_ROLE', 'must be api, worker or all');
  if (role === 'worker' && !redis) throw new ConfigError('REDIS_URL', 'is required when APP_ROLE=worker (jobs come from Redis)');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) throw new ConfigError('LOG_LEVEL', 'must be fatal, error, warn, info, debug, trace or silent');
  const capture = env.OTEL_CAPTURE_CONTENT || 'false';
  if (capture !== 'true' && capture !== 'false') throw new ConfigError('OTEL_CAPTURE_CONTENT', 'must be true or false');
  const localRedisMode = env.LOCAL_REDIS || (nodeEnv === 'development' ? 'auto' : 'off');
  if (localRedisMode !== 'auto' && localRedisMode !== 'off') throw new ConfigError('LOCAL_REDIS', 'must be auto or off');
  return { role, logLevel, telemetryCaptureContent: capture === 'true', localRedis: localRedisMode === 'auto' && !redis && role !== 'worker' };
}

function limitsOf(env: Env): Pick<AppConfig, 'jobs' | 'breaker' | 'memoryCaps' | 'checkpointTtlMs' | 'approvalTtlMs' | 'bodyTimeoutMs'> {
  const jobs = { concurrency: intInRange(env, 'JOBS_CONCURRENCY', 4, 1, 256), attempts: intInRange(env, 'JOBS_ATTEMPTS', 3, 1, 20), backoffMs: intInRange(env, 'JOBS_BACKOFF_MS', 1000, 0, 600_000),
    lockMs: intInRange(env, 'JOBS_LOCK_MS', 30_000, 500, 3_600_000),
    shutdownGraceMs: intInRange(env, 'JOBS_SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000),
    maxStreamsPerTenant: intInRange(env, 'MAX_STREAMS_PER_TENANT', 20, 1, 10_000),
    maxRunsPerTenant: intInRange(env, 'JOBS_MAX_PER_TENANT', 100, 1, 100_000),
    outageMaxMs: intInRange(env, 'JOBS_OUTAGE_MAX_MS', 600_000, 0, 86_400_000),
  };
  const breaker = { failureThreshold: intInRange(env, 'LLM_BREAKER_FAILURES', 5, 1, 1_000), cooldownMs: intInRange(env, 'LLM_BREAKER_COOLDOWN_MS', 30_000, 100, 3_600_000) };
  const memoryCaps = { maxMessages: intInRange(env, 'MEMORY_MAX_MESSAGES', 1_000, 1, 1_000_000), ttlMs: intInRange(env, 'MEMORY_TTL_DAYS', 30, 1, 3_650) * 86_400_000 };
  const checkpointTtlMs = duration(env, 'CHECKPOINT_TTL', DEFAULT_CHECKPOINT_TTL_MS, 1_000, MAX_CHECKPOINT_TTL_MS);
  // A decision, the expiry's denial included, continues the run from its checkpoint: an approval may
  // wait at most half the checkpoint's life, so the continuation still finds the checkpoint alive.
  const approvalTtlMs = duration(env, 'APPROVAL_TTL', DEFAULT_APPROVAL_TTL_MS, 1_000, Math.floor(checkpointTtlMs / 2), 'half of CHECKPOINT_TTL');
  const bodyTimeoutMs = intInRange(env, 'BODY_TIMEOUT_MS', BODY_TIMEOUT_MS, 100, 600_000);
  return { jobs, breaker, memoryCaps, checkpointTtlMs, approvalTtlMs, bodyTimeoutMs };
}

/** Validates the environment; throws ConfigError naming the first bad variable (checked in the order below). */
export function loadAppConfig(env: Env): AppConfig {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test') {
    throw new ConfigError('NODE_ENV', 'must be development, production or test');
  }
  const production = nodeEnv === 'production';
  const { port, host } = listener(env, production);
  const keys = apiKeysOf(env, production, host);
  const secret = checkpointSecretOf(env, production);
  const llm = loadLlmConfig(env);
  // The fallback's replies are charged at its own price: a budget needs it priced like the primary.
  const cost = loadCostConfig(env, [llm.primary.model, ...(llm.fallback ? [llm.fallback.model] : [])]);
  const toolPolicy = loadToolPolicy(env.TOOL_POLICY);
  const agentAccess = loadAgentAccess(env.AGENT_ACCESS);
  const guardrails = loadGuardrails(env.GUARDRAILS);
  const mcpServers = loadMcpServers(env.MCP_SERVERS);
  const { redis, ...redisConfig } = redisOf(env, production, llm);
  const memory = memoryOf(env, production, redis);
  const proc = processOf(env, nodeEnv, redis);
  const limits = limitsOf(env);
  return { nodeEnv, port, host, ...keys, ...secret, llm, cost, toolPolicy, agentAccess, guardrails, mcpServers, ...redisConfig, ...memory, ...proc, ...limits, telemetry: telemetryWanted(env) };
}
