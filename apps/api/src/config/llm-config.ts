import { ConfigError } from './config.error.js';

export const LLM_PROVIDERS = ['mock', 'anthropic', 'openai', 'bedrock'] as const;
export type LlmProviderName = (typeof LLM_PROVIDERS)[number];

/** One provider the service may call, with what it needs to reach it. */
export type ProviderChoice =
  | { kind: 'mock'; model: string }
  | { kind: 'anthropic'; model: string; apiKey: string; baseURL?: string }
  | { kind: 'openai'; model: string; apiKey: string; baseURL?: string }
  | { kind: 'bedrock'; model: string; region: string; endpoint?: string; credentials?: AwsCredentials };

export interface LlmConfig {
  primary: ProviderChoice;
  fallback?: ProviderChoice;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** LLM_RATE_FAIR: the budgets are handed out in turns across tenants (the service keeps one budget per provider). */
  fairRate: boolean;
}

type Env = Record<string, string | undefined>;

export type AwsCredentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

/** Static AWS credentials when both halves are set; undefined lets the SDK's default chain decide. */
export function awsCredentials(env: Env): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) throw new ConfigError(accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID', 'must be set together with its pair');
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } : undefined;
}

export function url(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
  } catch {
    throw new ConfigError(name, 'must be an http(s) URL');
  }
  return v;
}

function required(env: Env, name: string, why: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '') throw new ConfigError(name, `is required ${why}`);
  return v;
}

function positiveInt(env: Env, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^[1-9]\d{0,9}$/.test(v)) throw new ConfigError(name, 'must be a positive integer');
  return Number(v);
}

function choice(env: Env, kind: string, modelVar: string, role: string): ProviderChoice {
  if (!(LLM_PROVIDERS as readonly string[]).includes(kind)) throw new ConfigError(role, `must be one of: ${LLM_PROVIDERS.join(', ')}`);
  const why = `when ${role}=${kind}`;
  const model = env[modelVar] || (kind === 'mock' ? 'demo-1' : required(env, modelVar, why));
  if (!/^[\w.:/@-]{1,200}$/.test(model)) throw new ConfigError(modelVar, 'must be a model id (letters, digits, . : / @ _ -)');
  switch (kind) {
    case 'anthropic':
      return { kind, model, apiKey: required(env, 'ANTHROPIC_API_KEY', why), baseURL: url(env, 'ANTHROPIC_BASE_URL') };
    case 'openai':
      return { kind, model, apiKey: required(env, 'OPENAI_API_KEY', why), baseURL: url(env, 'OPENAI_BASE_URL') };
    case 'bedrock':
      return { kind, model, region: required(env, 'AWS_REGION', why), endpoint: url(env, 'BEDROCK_ENDPOINT'), credentials: awsCredentials(env) };
    default:
      return { kind: 'mock', model };
  }
}

/** LLM_* and the vendors' variables; a chosen provider without its key stops boot naming the variable. */
export function loadLlmConfig(env: Env): LlmConfig {
  const primary = choice(env, env.LLM_PROVIDER || 'mock', 'LLM_MODEL', 'LLM_PROVIDER');
  let fallback: ProviderChoice | undefined;
  if (env.LLM_FALLBACK_PROVIDER) {
    if (env.LLM_FALLBACK_PROVIDER === primary.kind) throw new ConfigError('LLM_FALLBACK_PROVIDER', 'must differ from LLM_PROVIDER');
    fallback = choice(env, env.LLM_FALLBACK_PROVIDER, 'LLM_FALLBACK_MODEL', 'LLM_FALLBACK_PROVIDER');
  }
  const fair = env.LLM_RATE_FAIR || 'true';
  if (fair !== 'true' && fair !== 'false') throw new ConfigError('LLM_RATE_FAIR', 'must be true or false');
  return { primary, fallback, requestsPerMinute: positiveInt(env, 'LLM_REQUESTS_PER_MINUTE'), tokensPerMinute: positiveInt(env, 'LLM_TOKENS_PER_MINUTE'), fairRate: fair === 'true' };
}
