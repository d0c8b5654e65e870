import { createHash } from 'node:crypto';
import { encodeOptionalField as field } from '@agentnest/memory';
import type { RequestIdentity } from '../context/tenant-context.js';

/** A fixed-length key segment for one tenant + principal (injective up to SHA-256 collisions; values are re-checked on read). */
export function ownerTag(owner: RequestIdentity): string {
  return createHash('sha256').update(`${field(owner.tenant)}:${field(owner.principal)}`).digest('base64url').slice(0, 22);
}
