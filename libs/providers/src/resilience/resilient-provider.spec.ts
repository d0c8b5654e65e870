import { describe, expect, it } from '@jest/globals';
import { mock } from '../mock/mock.provider.js';
import type { LLMRequest } from '../llm-provider.js';
import { ProviderConfigError, ProviderError } from '../provider.errors.js';
import type { ProviderEvent } from './provider-event.js';
import { resilientProvider } from './resilient-provider.js';

const req: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };

describe('resilientProvider', () => {
  it('retries the primary, opens its breaker, then falls back, in that order', async () => {
    const primary = mock({
      name: 'primary',
      respond: () => {
        throw new ProviderError('overloaded', 'primary', 'down', 529);
      },
    });
    const backup = mock({ name: 'backup', reply: 'served by backup' });
    const events: ProviderEvent[] = [];
    const p = resilientProvider({ providers: [primary, backup], retry: { maxAttempts: 3, initialDelayMs: 1 }, breaker: { failureThreshold: 2, cooldownMs: 60_000 } });
    const r = await p.complete(req, { onEvent: (e) => events.push(e) });
    expect(r.provider).toBe('backup');
    // Two real failures open the circuit; the third attempt fails fast, which is not retried.
    expect(primary.callCount).toBe(2);
    expect(events.map((e) => e.type)).toEqual(['retry', 'breaker', 'retry', 'fallback']);
    expect(events.at(-1)).toMatchObject({ type: 'fallback', from: 'primary', to: 'backup', code: 'circuit_open' });

    // Next call: the open circuit sends it straight to the backup.
    events.length = 0;
    expect((await p.complete(req, { onEvent: (e) => events.push(e) })).provider).toBe('backup');
    expect(primary.callCount).toBe(2);
    expect(events).toEqual([{ type: 'fallback', from: 'primary', to: 'backup', code: 'circuit_open' }]);
  });

  it('charges rate-limit budget for each real request, retries included, and falls back when it is spent', async () => {
    let calls = 0;
    const primary = mock({
      name: 'primary',
      respond: () => {
        if (++calls === 1) throw new ProviderError('server', 'primary', 'blip', 500);
        return 'primary ok';
      },
    });
    const backup = mock({ name: 'backup', reply: 'backup ok' });
    const p = resilientProvider({ providers: [primary, backup], retry: { initialDelayMs: 1 }, rateLimit: { requestsPerMinute: 2, mode: 'reject' } });
    expect((await p.complete(req)).text).toBe('primary ok');
    expect((await p.complete(req)).text).toBe('backup ok');
  });

  it('refuses an empty or ambiguous provider list', () => {
    expect(() => resilientProvider({ providers: [] })).toThrow(ProviderConfigError);
    expect(() => resilientProvider({ providers: [mock({ reply: 'a' }), mock({ reply: 'b' })] })).toThrow(/distinct/);
  });
});
