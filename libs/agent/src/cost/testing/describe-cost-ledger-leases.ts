import { describe, expect, it } from '@jest/globals';
import type { CostLedger, HoldRequest, LedgerCharge, TenantBudgets } from '../cost-ledger.js';

/** A ledger, a second instance sharing its state, and a way to let every lease taken so far expire. */
export interface LeaseFixture {
  ledger: CostLedger;
  other: CostLedger;
  expire(): Promise<void>;
}

/** $0.001 of input and up to 1,000 output tokens at 2 micro-dollars: a full hold is $0.003. */
const call: HoldRequest = { fixedUsd: 0.001, perOutputTokenUsd: 2e-6, wantOutputTokens: 1000, agent: 'writer', model: 'm' };
const charge = (costUsd: number): LedgerCharge => ({ agent: 'writer', model: 'm', usage: { inputTokens: 1000, outputTokens: 100, totalTokens: 1100 }, costUsd });
const today = () => new Date().toISOString().slice(0, 10);

const usage = (l: CostLedger) => l.usage('acme', { from: today(), to: today() });

/**
 * What every CostLedger's holds must do as leases: one that expires unsettled is charged what it held
 * (not freed, not kept held), shows in usage as an unsettled call, and a late or second settle changes nothing.
 */
export function describeCostLedgerLeases(name: string, make: (budgets: TenantBudgets) => LeaseFixture): void {
  describe(`${name} leases`, () => {
    expiredLeases(make);
    settledLeases(make);
  });
}

/** A lease that expires unsettled: charged what it held, reconciled once, a late settle ignored. */
function expiredLeases(make: (budgets: TenantBudgets) => LeaseFixture): void {
  it('charges an expired lease what it held, on its own usage line marked unsettled, as another instance reads it', async () => {
    const { ledger, other, expire } = make({ default: { dailyUsd: 0.005 } });
    const lost = await ledger.reserve('acme', call);
    expect(lost.estimateMicros).toBe(3000);
    await expire();
    expect(await usage(other)).toEqual([expect.objectContaining({ agent: 'writer', model: 'm', calls: 1, costUsd: 0.003, unsettledCalls: 1, inputTokens: 0, outputTokens: 0 })]);
    // The money stays spent: $0.002 is left, 500 output tokens after the input.
    expect(await other.reserve('acme', call)).toMatchObject({ grantedOutputTokens: 500, estimateMicros: 2000 });
  });

  it('reconciles at the next reserve: the dead hold turns from held to spent, and what is left can be spent', async () => {
    const { ledger, other, expire } = make({ default: { dailyUsd: 0.004 } });
    await ledger.reserve('acme', call);
    await expect(other.reserve('acme', call)).rejects.toThrow(/\$0\.003 is held for calls in progress/);
    await expire();
    // Not freed: the refusal now says spent, and only what the budget has left can be held.
    await expect(other.reserve('acme', call)).rejects.toThrow(/\$0\.003 of it is spent$/);
    expect(await other.reserve('acme', { ...call, fixedUsd: 0.0005, wantOutputTokens: 10 })).toMatchObject({ grantedOutputTokens: 10, estimateMicros: 520 });
    expect(await usage(ledger)).toEqual([expect.objectContaining({ calls: 1, unsettledCalls: 1, costUsd: 0.003 })]);
  });

  it('ignores a settle after the lease was reconciled: no second charge, no money back', async () => {
    const { ledger, expire } = make({ default: { dailyUsd: 0.004 } });
    const late = await ledger.reserve('acme', call);
    await expire();
    await ledger.usage('acme', { from: today(), to: today() });
    await ledger.settle(late, charge(0.0012));
    await ledger.settle(late);
    expect(await usage(ledger)).toEqual([expect.objectContaining({ calls: 1, unsettledCalls: 1, costUsd: 0.003 })]);
    // $0.001 left: not even the input and 64 tokens fit, and it is spent, not held.
    await expect(ledger.reserve('acme', call)).rejects.toThrow(/\$0\.003 of it is spent/);
  });
}

/** Settling and renewing: once by holdId, only a live lease renewed, estimates reported as such. */
function settledLeases(make: (budgets: TenantBudgets) => LeaseFixture): void {
  it('settles once by holdId: a second settle of the same lease changes nothing', async () => {
    const { ledger, other } = make({ default: { dailyUsd: 0.01 } });
    const r = await ledger.reserve('acme', call);
    await ledger.settle(r, charge(0.0012));
    await other.settle(r, charge(0.0012));
    await other.settle(r);
    expect(await usage(ledger)).toEqual([expect.objectContaining({ calls: 1, unsettledCalls: 0, costUsd: 0.0012 })]);
    // $0.0088 left after one $0.0012 charge: two full holds and one of $0.0028.
    const held = [await ledger.reserve('acme', call), await ledger.reserve('acme', call), await ledger.reserve('acme', call)];
    expect(held.map((h) => h.estimateMicros)).toEqual([3000, 3000, 2800]);
  });

  it('renews a live lease only; a released lease is not charged when its time comes', async () => {
    const { ledger, other, expire } = make({ default: { dailyUsd: 0.003 } });
    const r = await ledger.reserve('acme', call);
    expect(await other.renew!(r)).toBe(true);
    await ledger.settle(r);
    expect(await ledger.renew!(r)).toBe(false);
    await expire();
    expect(await usage(ledger)).toEqual([]);
    expect(await ledger.reserve('acme', call)).toMatchObject({ estimateMicros: 3000 });
  });

  it('reports a failed call charged from an estimate as estimated', async () => {
    const { ledger } = make({ default: { dailyUsd: 0.01 } });
    await ledger.settle(await ledger.reserve('acme', call), { ...charge(0.0011), estimated: true });
    expect(await usage(ledger)).toEqual([expect.objectContaining({ calls: 1, estimatedCalls: 1, unsettledCalls: 0, costUsd: 0.0011 })]);
  });
}
