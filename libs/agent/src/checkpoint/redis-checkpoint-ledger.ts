import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { MemoryIdentity } from '@agentnest/memory';
import { generationKeys, MAX_CHECKPOINT_TTL_MS, type CheckpointLedger, type RevocationScope } from './checkpoint-ledger.js';

/** Where a RedisCheckpointLedger keeps used checkpoints and revocations. */
export interface RedisCheckpointLedgerOptions {
  /** A client or cluster shared by every instance that resumes runs. */
  redis: Redis | Cluster;
  /** Prefix of its keys; @default 'agentnest:' */
  prefix?: string;
}

// KEYS: principal and conversation generations. ARGV: ttl ms. Reading a generation also keeps it
// alive for a checkpoint's longest life: a generation that expired and restarted at 0 could match
// a checkpoint issued before the erasure that set it.
const GENERATION = `local out = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if v then redis.call('PEXPIRE', k, ARGV[1]) end
  out[i] = v or '0'
end
return out[1] .. '.' .. out[2]`;

// KEYS: claim. ARGV: holder, ttl ms. Free, or already this holder's: 1; someone else's: 0.
const CLAIM = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0`;

// KEYS: claim. ARGV: holder. Deletes the claim only if it is still this holder's.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Scripted = (Redis | Cluster) & {
  agentnestCheckpointGeneration(principal: string, conversation: string, ttlMs: number): Promise<string>;
  agentnestCheckpointClaim(key: string, holder: string, ttlMs: number): Promise<number>;
  agentnestCheckpointRelease(key: string, holder: string): Promise<number>;
};

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

/** Single-use and revocation across every instance that shares the Redis. */
export class RedisCheckpointLedger implements CheckpointLedger {
  private readonly redis: Scripted;
  private readonly prefix: string;

  constructor(options: RedisCheckpointLedgerOptions) {
    this.redis = options.redis as Scripted;
    this.prefix = options.prefix ?? 'agentnest:';
    if (!this.redis.agentnestCheckpointGeneration) {
      this.redis.defineCommand('agentnestCheckpointGeneration', { numberOfKeys: 2, lua: GENERATION });
      this.redis.defineCommand('agentnestCheckpointClaim', { numberOfKeys: 1, lua: CLAIM });
      this.redis.defineCommand('agentnestCheckpointRelease', { numberOfKeys: 1, lua: RELEASE });
    }
  }

  /** Both generations of an identity share the principal's hash tag (one cluster slot, one script). */
  private keys(scope: RevocationScope): { principal: string; conversation?: string } {
    const k = generationKeys(scope);
    const tag = `${this.prefix}ckpt:gen:{${hash(k.principal)}}`;
    return { principal: tag, conversation: k.conversation === undefined ? undefined : `${tag}:c:${hash(k.conversation)}` };
  }

  generation(identity: MemoryIdentity): Promise<string> {
    const k = this.keys(identity);
    return this.redis.agentnestCheckpointGeneration(k.principal, k.conversation!, MAX_CHECKPOINT_TTL_MS);
  }

  async claim(checkpointId: string, holder: string, expiresAt: number): Promise<boolean> {
    const ttl = Math.max(1, expiresAt - Date.now());
    return (await this.redis.agentnestCheckpointClaim(`${this.prefix}ckpt:used:${checkpointId}`, holder, ttl)) === 1;
  }

  async release(checkpointId: string, holder: string): Promise<void> {
    await this.redis.agentnestCheckpointRelease(`${this.prefix}ckpt:used:${checkpointId}`, holder);
  }

  async revoke(scope: RevocationScope): Promise<void> {
    const k = this.keys(scope);
    const key = k.conversation ?? k.principal;
    await this.redis.multi().incr(key).pexpire(key, MAX_CHECKPOINT_TTL_MS).exec();
  }
}
