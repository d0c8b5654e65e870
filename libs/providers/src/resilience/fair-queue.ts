import type { RateLimitCost, RateLimitTurn } from './rate-limit-store.js';

/**
 * Fair queueing at a shared bucket, in this process (RedisRateLimitStore runs the same in Lua).
 *
 * Why turns and not a per-tenant share: a share (capacity / active tenants) needs every instance
 * to agree on who is active and leaves capacity idle unless borrowing is added, which brings the
 * unfairness back; turns need only the set of waiting tenants, which the store already sees.
 *
 * Each tenant with registered waiters holds a place scored by the grant number at which it was
 * last served; the n-th tenant to start waiting since the last grant enters at (grants - 1/(n+2)),
 * ahead of the tenant served last, behind tenants that have waited since before it and behind
 * those that entered before it. The tenant with the lowest place is first: room in the bucket
 * goes to it. (Places never tie, so no order of names decides.) Others may still take room beyond
 * the first tenant's share: the cost its waiter last asked for, so many small calls cannot keep the
 * room below what one large call of the first tenant needs. So a tenant with 45 queued calls gets at most one grant before a newly
 * waiting tenant is served. Waiters renew a lease each time they are refused; one that never comes
 * back (its instance died) is dropped when the lease runs out, and its tenant's place with it.
 */
export class FairQueue {
  /** Grants made so far: the clock the places are measured on. */
  private grants = 0;
  /** Tenants that started waiting since the last grant. */
  private entries = 0;
  private readonly places = new Map<string, number>();
  private readonly waiting = new Map<string, number>();
  private readonly leases = new Map<string, { tenant: string; until: number }>();
  private readonly shares = new Map<string, RateLimitCost>();

  /** Drops waiters whose lease ran out before `now`. */
  expire(now: number): void {
    for (const [id, lease] of this.leases) if (lease.until < now) this.remove(id, lease.tenant);
  }

  /** Whether `tenant` is first in line (also when it is not waiting yet: it would enter first). */
  isFirst(tenant: string): boolean {
    const placed = this.places.get(tenant);
    const mine = placed ?? this.entryPlace();
    for (const [other, place] of this.places) if (other !== tenant && place <= mine) return false;
    return true;
  }

  /** What the first tenant in line last asked for, kept back from callers whose turn it is not. */
  firstShare(): RateLimitCost | undefined {
    let first: string | undefined;
    for (const [tenant, place] of this.places) if (first === undefined || place < this.places.get(first)!) first = tenant;
    return first === undefined ? undefined : this.shares.get(first);
  }

  private entryPlace(): number {
    return this.grants - 1 / (this.entries + 2);
  }

  /** Registers (or renews) a refused waiter asking for `cost`, kept until `retryAt` plus its lease. */
  wait(turn: RateLimitTurn, retryAt: number, cost: RateLimitCost): void {
    if (!turn.waiter) return;
    this.shares.set(turn.tenant, cost);
    const id = `${turn.waiter}|${turn.tenant}`;
    if (!this.leases.has(id)) {
      this.waiting.set(turn.tenant, (this.waiting.get(turn.tenant) ?? 0) + 1);
      if (!this.places.has(turn.tenant)) {
        this.places.set(turn.tenant, this.entryPlace());
        this.entries++;
      }
    }
    this.leases.set(id, { tenant: turn.tenant, until: retryAt + turn.leaseMs });
  }

  /** Counts a grant to `turn`: its waiter leaves, and its tenant, if still waiting, goes to the back. */
  served(turn: RateLimitTurn): void {
    this.grants++;
    this.entries = 0;
    if (turn.waiter) this.leave(turn);
    if (this.places.has(turn.tenant)) this.places.set(turn.tenant, this.grants);
  }

  leave(turn: RateLimitTurn): void {
    if (turn.waiter) this.remove(`${turn.waiter}|${turn.tenant}`, turn.tenant);
  }

  private remove(id: string, tenant: string): void {
    if (!this.leases.delete(id)) return;
    const left = (this.waiting.get(tenant) ?? 1) - 1;
    if (left > 0) return void this.waiting.set(tenant, left);
    this.waiting.delete(tenant);
    this.places.delete(tenant);
    this.shares.delete(tenant);
  }
}
