import { describe, expect, it } from '@jest/globals';
import { createApp } from '../apps/api/src/create-app.js';
import { loadAppConfig } from '../apps/api/src/config/app-config.js';
import { ConfigError } from '../apps/api/src/config/config.error.js';
import { bearer, startApi } from './harness.js';

const GOOD = { NODE_ENV: 'production', API_KEYS: 'prod-key-123=acme/alice', CHECKPOINT_SECRET: 'p'.repeat(40) };

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
    expect(config).toMatchObject({ nodeEnv: 'production', port: 3000, devKey: false, llmProvider: 'mock', checkpointSecretGenerated: false });
    expect(config.apiKeys.lookup('prod-key-123')).toEqual({ tenant: 'acme', principal: 'alice' });
    expect(config.apiKeys.lookup('dev-key')).toBeUndefined();
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

  it('says a real provider is not available yet', () => {
    expect(configError({ LLM_PROVIDER: 'openai' }).message).toContain('openai is not available in this version yet');
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
      expect(resumed.body.reply).toBe('You answered: ok');
    } finally {
      await api.close();
    }
  });
});
