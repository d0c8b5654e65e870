import { hash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from './config.error.js';

export interface ApiKeyOwner {
  tenant: string;
  principal: string;
  /** Roles for tool policies, from `key=tenant/principal:role1+role2`. */
  roles?: string[];
}

/**
 * The keys accepted when no API_KEYS is configured outside production: a user, and a second user of
 * the same tenant with the approver role, so an approval can be asked for and decided on a fresh machine
 * (nobody may approve their own call).
 */
export const DEV_API_KEYS: ReadonlyArray<readonly [string, ApiKeyOwner]> = [
  ['dev-key', { tenant: 'dev', principal: 'dev' }],
  ['dev-approver', { tenant: 'dev', principal: 'approver', roles: ['approver'] }],
];

// One-shot: no Hash object per request.
const digest = (key: string) => hash('sha256', key, 'buffer');

/**
 * API keys by SHA-256 digest: lookups compare fixed-length digests in constant time, and the
 * plain keys are not kept in memory after boot.
 */
export class ApiKeyRegistry {
  private readonly entries: Array<{ digest: Buffer; owner: ApiKeyOwner }>;

  constructor(keys: Array<[string, ApiKeyOwner]>) {
    this.entries = keys.map(([key, owner]) => ({ digest: digest(key), owner }));
  }

  get size(): number {
    return this.entries.length;
  }

  lookup(key: string): ApiKeyOwner | undefined {
    const d = digest(key);
    let found: ApiKeyOwner | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) found = e.owner;
    return found;
  }
}

const PART = /^[A-Za-z0-9._@-]{1,128}$/;

/** Parses `key=tenant/principal[:role1+role2],key2=...`. Errors say which entry, never echo it. */
export function parseApiKeys(raw: string): ApiKeyRegistry {
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (entries.length === 0) throw new ConfigError('API_KEYS', 'has no entries (expected key=tenant/principal,...)');
  const seen = new Set<string>();
  const keys = entries.map((entry, i): [string, ApiKeyOwner] => {
    const eq = entry.indexOf('=');
    const key = entry.slice(0, eq);
    const [owner, roleList, ...extra] = entry.slice(eq + 1).split(':');
    const [tenant, principal, ...rest] = owner.split('/');
    const roles = roleList === undefined ? [] : roleList.split('+');
    if (eq < 1 || rest.length || extra.length || !tenant || !principal || !PART.test(tenant) || !PART.test(principal) || /\s/.test(key) || roles.some((r) => !PART.test(r))) {
      throw new ConfigError('API_KEYS', `entry ${i + 1} is malformed (expected key=tenant/principal or key=tenant/principal:role1+role2; names use letters, digits, . _ @ -)`);
    }
    if (key.length < 8) throw new ConfigError('API_KEYS', `entry ${i + 1} has a key shorter than 8 characters`);
    if (seen.has(key)) throw new ConfigError('API_KEYS', `entry ${i + 1} repeats a key`);
    seen.add(key);
    return [key, roles.length ? { tenant, principal, roles } : { tenant, principal }];
  });
  return new ApiKeyRegistry(keys);
}
