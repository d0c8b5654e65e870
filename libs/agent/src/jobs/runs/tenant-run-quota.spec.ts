import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RunRegistry } from './run-registry.js';
import { TenantRunQuota } from './tenant-run-quota.js';

const redis = new Redis(process.env.REDIS_URL!);
afterAll(() => redis.quit());

const alice = { tenant: 'acme', principal: 'alice' };
const DAY = 24 * 3600 * 1000;
/** A queued run's record, which a full tenant's check finds (an entry without one is dropped). */
const queued = (prefix: string, owner: { tenant?: string; principal?: string }, ...runIds: string[]) =>
  Promise.all(runIds.map((runId) => new RunRegistry({ redis, prefix }).create(owner, { runId, agent: 'a', conversationId: 'c' }, { jobId: runId })));
/** Entries per tenant set, smallest first. */
const counted = async (prefix: string) => (await Promise.all((await redis.keys(`${prefix}active-runs:*`)).map((k) => redis.zcard(k)))).sort();

describe('TenantRunQuota', () => {
  it('admits up to its cap across the principals of a tenant, counts a run once, and frees a slot on release', async () => {
    const prefix = `test:quota:${randomUUID()}:`;
    const quota = new TenantRunQuota(redis, 2, prefix);
    await queued(prefix, alice, 'r1', 'r3');
    await queued(prefix, { tenant: 'acme', principal: 'bob' }, 'r2');
    await quota.admit(alice, 'r1');
    await quota.admit(alice, 'r1');
    await quota.admit({ tenant: 'acme', principal: 'bob' }, 'r2');
    await expect(quota.admit(alice, 'r3')).rejects.toMatchObject({ code: 'too_many_runs', limit: 2 });
    await quota.admit({ tenant: 'globex' }, 'r3');
    await quota.release(alice, ['r1']);
    await quota.admit(alice, 'r3');
    // A continuation is counted even past the cap: an answer is never refused.
    await quota.enter(alice, 'r1');
    expect(await counted(prefix)).toEqual([1, 3]);
  });

  it('stops counting an entry after its lease, on the injected clock', async () => {
    const prefix = `test:quota:${randomUUID()}:`;
    let now = Date.now();
    const quota = new TenantRunQuota(redis, 1, prefix, () => now);
    // Its record says queued for ever: only the lease ends its count.
    await queued(prefix, alice, 'leaked');
    await quota.admit(alice, 'leaked');
    await expect(quota.admit(alice, 'next')).rejects.toMatchObject({ code: 'too_many_runs' });
    now += DAY + 1;
    await quota.admit(alice, 'next');
  });

  it('drops entries whose run is gone or finished when the tenant is full, at most once per 10 s', async () => {
    const prefix = `test:quota:${randomUUID()}:`;
    let now = Date.now();
    const quota = new TenantRunQuota(redis, 2, prefix, () => now);
    const registry = new RunRegistry({ redis, prefix });
    await queued(prefix, alice, 'live', 'done', 'x');
    await quota.admit(alice, 'live');
    await quota.admit(alice, 'done');
    await expect(quota.admit(alice, 'x')).rejects.toMatchObject({ code: 'too_many_runs' });
    // Both runs are queued: nothing is stale. Then one finishes without its release (a process died).
    await registry.transition(alice, 'done', ['queued'], 'completed');
    await expect(quota.admit(alice, 'x')).rejects.toMatchObject({ code: 'too_many_runs' });
    now += 10_001;
    await quota.admit(alice, 'x');
    // The live one and x still count: the tenant is full again. An entry with no record at all goes too.
    now += 10_001;
    await expect(quota.admit(alice, 'y')).rejects.toMatchObject({ code: 'too_many_runs' });
    await registry.erase(alice);
    now += 10_001;
    await quota.admit(alice, 'y');
    expect(await counted(prefix)).toEqual([1]);
  });

  it.each([0, -1, 1.5, NaN, null, '3'])('refuses maxRunsPerTenant %p when built', (max) => {
    expect(() => new TenantRunQuota(redis, max as number)).toThrow('maxRunsPerTenant must be a whole number of at least 1');
  });
});
