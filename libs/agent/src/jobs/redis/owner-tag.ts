import { createHash } from 'node:crypto';
import { encodeOptionalField as field } from '@agentnest/memory';
import type { RequestIdentity } from '../../context/request-identity.js';

/** Tags of recent owners: a run's every step computes its keys, and hashing is most of that. */
const recent = new Map<string, string>();
const RECENT_MAX = 10_000;

/** A fixed-length key segment for one tenant + principal (injective up to SHA-256 collisions; values are re-checked on read). */
export function ownerTag(owner: RequestIdentity): string {
  const encoded = `${field(owner.tenant)}:${field(owner.principal)}`;
  let tag = recent.get(encoded);
  if (tag === undefined) {
    tag = createHash('sha256').update(encoded).digest('base64url').slice(0, 22);
    // Bounded by starting over: many owners cost a hash each, never memory.
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(encoded, tag);
  }
  return tag;
}

/**
 * The Redis keys of one owner's queued runs. Every key carries the owner's tag as its hash tag, so
 * a run's record, its event stream and the owner's indexes sit in one Redis Cluster slot and one
 * script may touch them together.
 */
/** The key of a run's record, from its owner's tag (what the tenant's run quota keeps of the owner). */
export const runRecordKey = (prefix: string, tag: string, runId: string): string => `${prefix}run:{${tag}}:${runId}`;

export function ownerKeys(prefix: string, owner: RequestIdentity) {
  const tag = ownerTag(owner);
  const t = `{${tag}}`;
  return {
    record: (runId: string) => runRecordKey(prefix, tag, runId),
    events: (runId: string) => `${prefix}run-events:${t}:${runId}`,
    /** Every run of the owner, scored by creation time. */
    runs: `${prefix}runs:${t}`,
    /** The owner's runs of one conversation. */
    conversation: (conversationId: string) => `${prefix}runs:${t}:c:${createHash('sha256').update(conversationId).digest('base64url').slice(0, 22)}`,
    idempotency: (keyTag: string) => `${prefix}idem:${t}:${keyTag}`,
  };
}
