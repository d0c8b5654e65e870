import { describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { freePort } from '../apps/api/src/redis/local-redis.js';
import { createApp } from '../apps/api/src/create-app.js';
import { loadAppConfig } from '../apps/api/src/config/app-config.js';
import { ConfigError } from '../apps/api/src/config/config.error.js';
import { bearer, startApi } from './harness.js';

const GOOD = { NODE_ENV: 'production', API_KEYS: 'prod-key-123=acme/alice', CHECKPOINT_SECRET: 'p'.repeat(40), REDIS_URL: 'redis://127.0.0.1:6379' };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadAppConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('boot configuration', () => {
  it('accepts a complete production config', () => {
    const config = loadAppConfig(GOOD);
    expect(config).toMatchObject({ nodeEnv: 'production', port: 3000, devKey: false, llm: { primary: { kind: 'mock', model: 'demo-1' } }, checkpointSecretGenerated: false, redisPrefix: 'agentnest:', memoryStore: 'redis' });
    expect(config.apiKeys.lookup('prod-key-123')).toEqual({ tenant: 'acme', principal: 'alice' });
    expect(config.apiKeys.lookup('dev-key')).toBeUndefined();
    expect(config.apiKeys.lookup('dev-approver')).toBeUndefined();
  });

  it.each([
    ['API_KEYS', { ...GOOD, API_KEYS: undefined }],
    ['CHECKPOINT_SECRET', { ...GOOD, CHECKPOINT_SECRET: undefined }],
  ])('stops production boot without %s', (variable, env) => {
    expect(configError(env).variable).toBe(variable);
  });

  it.each([
    ['PORT', { PORT: 'eighty' }, 'eighty'],
    ['PORT', { PORT: '70000' }, '70000'],
    ['NODE_ENV', { NODE_ENV: 'staging' }, 'staging'],
    ['CHECKPOINT_SECRET', { CHECKPOINT_SECRET: 'short-secret-value' }, 'short-secret-value'],
    ['API_KEYS', { API_KEYS: 'supersecretkey=acme' }, 'supersecretkey'],
    ['API_KEYS', { API_KEYS: 'supersecretkey=acme/a/b' }, 'supersecretkey'],
    ['API_KEYS', { API_KEYS: 'tiny=acme/a' }, 'tiny'],
    ['API_KEYS', { API_KEYS: 'supersecretkey=acme/a,supersecretkey=acme/b' }, 'supersecretkey'],
  ])('names %s and not its value', (variable, env, value) => {
    const err = configError(env);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(variable)).toBe(true);
    expect(err.message).not.toContain(value);
  });

  it.each([
    ['ANTHROPIC_API_KEY', { LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-x' }],
    ['LLM_MODEL', { LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-ant-secret-value' }],
    ['OPENAI_API_KEY', { LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-x' }],
    ['AWS_REGION', { LLM_PROVIDER: 'bedrock', LLM_MODEL: 'anthropic.claude-x' }],
    ['AWS_SECRET_ACCESS_KEY', { LLM_PROVIDER: 'bedrock', LLM_MODEL: 'm', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDSECRETID' }],
    ['LLM_PROVIDER', { LLM_PROVIDER: 'gemini' }],
    ['LLM_FALLBACK_PROVIDER', { LLM_PROVIDER: 'mock', LLM_FALLBACK_PROVIDER: 'mock' }],
    ['LLM_FALLBACK_MODEL', { LLM_PROVIDER: 'mock', LLM_FALLBACK_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-openai-secret-value' }],
    ['ANTHROPIC_BASE_URL', { LLM_PROVIDER: 'anthropic', LLM_MODEL: 'c', ANTHROPIC_API_KEY: 'sk-ant-secret-value', ANTHROPIC_BASE_URL: 'not a url' }],
    ['LLM_REQUESTS_PER_MINUTE', { LLM_REQUESTS_PER_MINUTE: '-5' }],
    ['REDIS_URL', { ...GOOD, REDIS_URL: undefined, MEMORY_STORE: 'memory', LLM_PROVIDER: 'anthropic', LLM_MODEL: 'c', ANTHROPIC_API_KEY: 'sk-ant-secret-value' }],
    ['REDIS_URL', { ...GOOD, REDIS_URL: undefined }],
    ['DATABASE_URL', { MEMORY_STORE: 'postgres' }],
    ['MEMORY_STORE', { MEMORY_STORE: 'dynamo' }],
    ['AGENTCORE_MEMORY_ID', { MEMORY_STORE: 'agentcore', AWS_REGION: 'us-east-1' }],
    ['AWS_REGION', { MEMORY_STORE: 'agentcore', AGENTCORE_MEMORY_ID: 'mem-1' }],
    ['DATABASE_MIGRATE', { DATABASE_MIGRATE: 'yes' }],
    ['REDIS_URL', { REDIS_URL: 'http://not-redis' }],
    ['LOCAL_REDIS', { LOCAL_REDIS: 'sometimes' }],
    ['API_KEYS', { API_KEYS: 'supersecretkey=acme/alice:bad role' }],
    ['API_KEYS', { API_KEYS: 'supersecretkey=acme/alice:a:b' }],
    ['TOOL_POLICY', { TOOL_POLICY: '{"rules":[{"effect":"perhaps"}]}' }],
    ['TOOL_POLICY', { TOOL_POLICY: 'allow all' }],
    ['GUARDRAILS', { GUARDRAILS: 'redact please' }],
    ['GUARDRAILS', { GUARDRAILS: '{"pii":{"kinds":["passport"]}}' }],
    ['GUARDRAILS', { GUARDRAILS: '{"pii":{"patterns":{"x":"(a)\\\\1"}}}' }],
    ['GUARDRAILS', { GUARDRAILS: '{"maxInput":{"chars":-1}}' }],
    ['GUARDRAILS', { GUARDRAILS: '{"toolResults":"hide"}' }],
    ['GUARDRAILS', { GUARDRAILS: '{"tenants":{"acme":{"profanity":true}}}' }],
    ['GUARDRAILS', { GUARDRAILS: '{"pii":{"on":["memory"]}}' }],
    ['LLM_PRICING', { LLM_PRICING: '{not json' }],
    ['LLM_PRICING', { LLM_PRICING: '{"m":{"input":-1,"output":2}}' }],
    ['LLM_PRICING', { LLM_PROVIDER: 'openai', LLM_MODEL: 'gpt-x', OPENAI_API_KEY: 'sk-openai-secret-value', TENANT_BUDGET_DAILY_USD: '5' }],
    ['LLM_PRICING', { LLM_FALLBACK_PROVIDER: 'openai', LLM_FALLBACK_MODEL: 'gpt-x', OPENAI_API_KEY: 'sk-openai-secret-value', TENANT_BUDGET_DAILY_USD: '5' }],
    ['TENANT_HOLD_LEASE_MS', { TENANT_HOLD_LEASE_MS: '5' }],
    ['TENANT_HOLD_LEASE_MS', { TENANT_HOLD_LEASE_MS: 'a minute' }],
    ['RUN_BUDGET_USD', { RUN_BUDGET_USD: 'lots' }],
    ['TENANT_BUDGET_MONTHLY_USD', { TENANT_BUDGET_MONTHLY_USD: '0' }],
    ['TENANT_BUDGETS', { TENANT_BUDGETS: '{"acme":{"dailyUsd":-3}}' }],
    ['CHECKPOINT_TTL', { CHECKPOINT_TTL: '31d' }],
    ['CHECKPOINT_TTL', { CHECKPOINT_TTL: 'a week' }],
    ['APPROVAL_TTL', { APPROVAL_TTL: '0s' }],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: 'redis://10.0.0.1:6379' }],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: '10.0.0.1:70000' }],
    ['REDIS_CLUSTER_NODES', { REDIS_CLUSTER_NODES: '10.0.0.1:6379', REDIS_URL: 'redis://127.0.0.1:6379' }],
    ['REDIS_TLS', { REDIS_CLUSTER_NODES: '10.0.0.1:6379', REDIS_TLS: 'yes' }],
    ['APPROVAL_TTL', { CHECKPOINT_TTL: '1h', APPROVAL_TTL: '2h' }],
    ['APPROVAL_TTL', { CHECKPOINT_TTL: '1h', APPROVAL_TTL: '31m' }],
    ['MEMORY_MAX_MESSAGES', { MEMORY_MAX_MESSAGES: '0' }],
    ['MEMORY_TTL_DAYS', { MEMORY_TTL_DAYS: 'forever' }],
    ['MAX_STREAMS_PER_TENANT', { MAX_STREAMS_PER_TENANT: '0' }],
    ['JOBS_MAX_PER_TENANT', { JOBS_MAX_PER_TENANT: '0' }],
    ['HOST', { HOST: 'not a host' }],
  ])('names %s for a chosen provider without what it needs, never echoing a secret', (variable, env) => {
    const err = configError(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    for (const secret of ['sk-ant-secret-value', 'sk-openai-secret-value', 'AKIDSECRETID']) expect(err.message).not.toContain(secret);
  });

  it('listens on loopback in development (the dev key is well known), on all interfaces in production, or on HOST', () => {
    expect(loadAppConfig({}).host).toBe('127.0.0.1');
    expect(loadAppConfig(GOOD).host).toBe('0.0.0.0');
    expect(loadAppConfig({ HOST: '::', API_KEYS: 'key-acme-alice=acme/alice' }).host).toBe('::');
    // The development keys are public: off loopback they are refused, and boot asks for API_KEYS.
    for (const HOST of ['0.0.0.0', '::', '10.1.2.3', 'agents.example.com']) expect(configError({ HOST }).variable).toBe('API_KEYS');
    for (const HOST of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(loadAppConfig({ HOST }).devKey).toBe(true);
    expect(loadAppConfig({}).checkpointTtlMs).toBe(7 * 86_400_000);
    expect(loadAppConfig({ CHECKPOINT_TTL: '12h' }).checkpointTtlMs).toBe(12 * 3_600_000);
    expect(loadAppConfig({ CHECKPOINT_TTL: '90' }).checkpointTtlMs).toBe(90_000);
    expect(loadAppConfig({}).approvalTtlMs).toBe(86_400_000);
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: 'a.example:7000, 10.0.0.2:7001,[::1]:7002', REDIS_PASSWORD: 'pw-secret', REDIS_TLS: 'true' }).redisCluster).toEqual({
      nodes: [{ host: 'a.example', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }],
      password: 'pw-secret',
      tls: true,
    });
    // A cluster is a Redis: no local one is started, and what needs Redis accepts it.
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000', APP_ROLE: 'worker' }).localRedis).toBe(false);
    expect(loadAppConfig({ APPROVAL_TTL: '30m' }).approvalTtlMs).toBe(1_800_000);
    // Unset, an approval waits 24 h, or half a shorter checkpoint life: its denial must still find the checkpoint.
    expect(loadAppConfig({ CHECKPOINT_TTL: '12h' }).approvalTtlMs).toBe(6 * 3_600_000);
    expect(loadAppConfig({ CHECKPOINT_TTL: '1h', APPROVAL_TTL: '30m' }).approvalTtlMs).toBe(1_800_000);
    // An approval never outlives half the checkpoint its decision continues (it expired with it, and the run failed checkpoint_expired).
    expect(loadAppConfig({ CHECKPOINT_TTL: '1h' }).approvalTtlMs).toBe(1_800_000);
    expect(loadAppConfig({}).memoryCaps).toEqual({ maxMessages: 1_000, ttlMs: 30 * 86_400_000 });
  });

  it('stops boot with one line naming REDIS_URL when Redis cannot be reached', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['apps/api/dist/main.js'], { env: { PATH: process.env.PATH ?? '', ...GOOD, REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    const lines = out.split('\n').filter((l) => l.trim());
    expect(lines.filter((l) => l.startsWith('Configuration error: REDIS_URL could not be reached'))).toHaveLength(1);
    expect(out).not.toMatch(/\n\s+at /); // no stack trace
  }, 30_000);

  it('maps keys to roles', () => {
    const keys = loadAppConfig({ API_KEYS: 'supersecretkey=acme/alice:ops+viewer,otherkey1=acme/bob' }).apiKeys;
    expect(keys.lookup('supersecretkey')).toEqual({ tenant: 'acme', principal: 'alice', roles: ['ops', 'viewer'] });
    expect(keys.lookup('otherkey1')).toEqual({ tenant: 'acme', principal: 'bob' });
  });

  it('accepts a real provider with a fallback, budgets and Redis', () => {
    const config = loadAppConfig({
      LLM_PROVIDER: 'anthropic',
      LLM_MODEL: 'claude-x',
      ANTHROPIC_API_KEY: 'k',
      LLM_FALLBACK_PROVIDER: 'bedrock',
      LLM_FALLBACK_MODEL: 'amazon.nova-x',
      AWS_REGION: 'eu-west-1',
      LLM_REQUESTS_PER_MINUTE: '600',
      REDIS_URL: 'redis://127.0.0.1:6379',
    });
    expect(config.llm).toMatchObject({ primary: { kind: 'anthropic', model: 'claude-x' }, fallback: { kind: 'bedrock', region: 'eu-west-1', model: 'amazon.nova-x' }, requestsPerMinute: 600, fairRate: true });
  });

  it('hands the provider budget out in turns across tenants unless LLM_RATE_FAIR=false', () => {
    expect(loadAppConfig({ LLM_RATE_FAIR: 'false' }).llm.fairRate).toBe(false);
    expect(() => loadAppConfig({ LLM_RATE_FAIR: 'yes' })).toThrow(/LLM_RATE_FAIR/);
  });

  it('createApp refuses to build with a bad config', async () => {
    await expect(createApp({ NODE_ENV: 'production' }, false)).rejects.toBeInstanceOf(ConfigError);
  });

  it('outside production with no API_KEYS, the development key works for tenant "dev"', async () => {
    const api = await startApi({ NODE_ENV: 'development' });
    try {
      const res = await api.http.post('/v1/agents/assistant/runs').set(bearer('dev-key')).send({ message: 'hi', conversationId: 'd1' });
      expect(res.status).toBe(200);
      const paused = await api.http.post('/v1/agents/assistant/runs').set(bearer('dev-key')).send({ message: 'ask me' });
      const resumed = await api.http.post('/v1/agents/assistant/runs/resume').set(bearer('dev-key')).send({ checkpoint: paused.body.checkpoint, answer: 'ok' });
      expect(resumed.body.text).toBe('You answered: ok');
    } finally {
      await api.close();
    }
  });
});
