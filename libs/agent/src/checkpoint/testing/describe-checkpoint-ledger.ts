import { describe, expect, it } from '@jest/globals';
import type { CheckpointLedger } from '../checkpoint-ledger.js';

const alice = { tenant: 'acme', principal: 'alice', conversationId: 'c1' };

/** What every CheckpointLedger must do: one holder per checkpoint, and erasure scopes that move alone. */
export function describeCheckpointLedger(name: string, make: () => CheckpointLedger): void {
  describe(name, () => {
    it('lets one holder claim a checkpoint, again and again, and nobody else until released', async () => {
      const ledger = make();
      const until = Date.now() + 60_000;
      expect(await ledger.claim('cp1', 'job-1', until)).toBe(true);
      expect(await ledger.claim('cp1', 'job-1', until)).toBe(true);
      expect(await ledger.claim('cp1', 'request-2', until)).toBe(false);
      await ledger.release('cp1', 'request-2'); // not the holder: no effect
      expect(await ledger.claim('cp1', 'request-2', until)).toBe(false);
      await ledger.release('cp1', 'job-1');
      expect(await ledger.claim('cp1', 'request-2', until)).toBe(true);
    });

    it('moves the generation of exactly the erased scope', async () => {
      const ledger = make();
      const c2 = { ...alice, conversationId: 'c2' };
      const bob = { ...alice, principal: 'bob' };
      const [a1, a2, b1] = await Promise.all([ledger.generation(alice), ledger.generation(c2), ledger.generation(bob)]);
      await ledger.revoke(alice);
      expect(await ledger.generation(alice)).not.toBe(a1);
      expect(await ledger.generation(c2)).toBe(a2);
      await ledger.revoke({ tenant: 'acme', principal: 'alice' });
      expect(await ledger.generation(c2)).not.toBe(a2);
      expect(await ledger.generation(bob)).toBe(b1);
      // Same names in another tenant, or without a tenant, are other scopes.
      expect(await ledger.generation({ ...alice, tenant: 'globex' })).toBe(b1);
      expect(await ledger.generation({ principal: 'alice', conversationId: 'c1' })).toBe(b1);
    });
  });
}
