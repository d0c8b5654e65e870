import type { MemoryIdentity } from '@agentnest/memory';

/** Whose checkpoints an erasure revokes: a principal's (every conversation) or one conversation's. */
export interface RevocationScope {
  /** The tenant whose checkpoints are revoked. */
  tenant?: string;
  /** Its principal whose checkpoints are revoked. */
  principal?: string;
  /** Absent: every conversation of the principal. */
  conversationId?: string;
}

/**
 * Server-side state that makes client-held checkpoints single-use and revocable. A checkpoint
 * records the erasure generation of its principal and conversation when it is issued; erasing
 * either moves the generation on, so no checkpoint issued before can bring the data back.
 */
export interface CheckpointLedger {
  /** The current erasure generation of the identity's principal and conversation (opaque). */
  generation(identity: MemoryIdentity): Promise<string>;
  /**
   * Claims a checkpoint for `holder` until `expiresAt` (ms): true when it was free or is already
   * this holder's (a retried job resuming again), false when someone else used it.
   */
  claim(checkpointId: string, holder: string, expiresAt: number): Promise<boolean>;
  /** Frees a claim whose run failed before it used the answer, so the client may try again. */
  release(checkpointId: string, holder: string): Promise<void>;
  /** Revokes every checkpoint issued so far for the scope. */
  revoke(scope: RevocationScope): Promise<void>;
}

/** @default 7 days */
export const DEFAULT_CHECKPOINT_TTL_MS = 7 * 24 * 3600 * 1000;
/** How long revocations are remembered; checkpoints may not live longer. @default 30 days */
export const MAX_CHECKPOINT_TTL_MS = 30 * 24 * 3600 * 1000;

const field = (v: string | undefined) => (v === undefined ? '~' : `=${v}`);

/** The keys of a scope's two generations (principal-wide and conversation), injective over the identity's fields. */
export function generationKeys(identity: { tenant?: string; principal?: string; conversationId?: string }): { principal: string; conversation?: string } {
  const principal = JSON.stringify([field(identity.tenant), field(identity.principal)]);
  return { principal, conversation: identity.conversationId === undefined ? undefined : JSON.stringify([field(identity.tenant), field(identity.principal), identity.conversationId]) };
}

/** The ledger of one process: checkpoints are single-use and revocable within it (tests, single-instance apps). */
export class InMemoryCheckpointLedger implements CheckpointLedger {
  private readonly generations = new Map<string, number>();
  private readonly claims = new Map<string, { holder: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async generation(identity: MemoryIdentity): Promise<string> {
    const keys = generationKeys(identity);
    return `${this.generations.get(keys.principal) ?? 0}.${this.generations.get(keys.conversation!) ?? 0}`;
  }

  async claim(checkpointId: string, holder: string, expiresAt: number): Promise<boolean> {
    const now = this.now();
    // Expired claims go as new ones arrive, so the map holds only live checkpoints.
    for (const [id, c] of this.claims) if (c.until <= now) this.claims.delete(id);
    const current = this.claims.get(checkpointId);
    if (current) return current.holder === holder;
    this.claims.set(checkpointId, { holder, until: expiresAt });
    return true;
  }

  async release(checkpointId: string, holder: string): Promise<void> {
    if (this.claims.get(checkpointId)?.holder === holder) this.claims.delete(checkpointId);
  }

  async revoke(scope: RevocationScope): Promise<void> {
    const keys = generationKeys(scope);
    const key = keys.conversation ?? keys.principal;
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }
}
