import { afterAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { mock } from '../mock/mock.provider.js';
import type { LLMRequest } from '../llm-provider.js';
import { CircuitOpenError, ProviderError } from '../provider.errors.js';
import type { ProviderEvent } from './provider-event.js';
import { RedisCircuitState } from './redis-circuit-state.js';
import { withCircuitBreaker } from './with-circuit-breaker.js';
import { InMemoryCircuitState } from './circuit-state.js';

const req: LLMRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
const clients: Redis[] = [];
afterAll(() => Promise.all(clients.map((c) => c.quit())));

/** A provider whose health is switched by the test. */
function switchable(name = 'p') {
  const health = { down: false, error: () => new ProviderError('server', name, 'down', 500) as Error };
  const provider = mock({
    name,
    respond: () => {
      if (health.down) throw health.error();
      return 'up';
    },
  });
  return { provider, health };
}

describe('withCircuitBreaker', () => {
  it('opens after consecutive failures, then fails fast with retryAfterMs without calling the provider', async () => {
    const { provider, health } = switchable();
    const events: ProviderEvent[] = [];
    const p = withCircuitBreaker(provider, { failureThreshold: 2, cooldownMs: 60_000 });
    health.down = true;
    for (let i = 0; i < 2; i++) await expect(p.complete(req, { onEvent: (e) => events.push(e) })).rejects.toBeInstanceOf(ProviderError);
    const err = await p.complete(req).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect((err as CircuitOpenError).retryAfterMs).toBeGreaterThan(59_000);
    expect(provider.callCount).toBe(2);
    expect(events).toEqual([{ type: 'breaker', provider: 'p', from: 'closed', to: 'open' }]);
  });

  it('probes after the cooldown and closes on success, reporting each change', async () => {
    const { provider, health } = switchable();
    const events: ProviderEvent[] = [];
    const onEvent = (e: ProviderEvent) => events.push(e);
    // The circuit's clock is the test's: the cooldown passes when the test says so, however busy the machine.
    let now = 0;
    const p = withCircuitBreaker(provider, { failureThreshold: 1, cooldownMs: 50, state: new InMemoryCircuitState(() => now) });
    health.down = true;
    await expect(p.complete(req, { onEvent })).rejects.toBeInstanceOf(ProviderError);
    health.down = false;
    now += 49;
    await expect(p.complete(req, { onEvent })).rejects.toBeInstanceOf(CircuitOpenError);
    now += 1;
    expect((await p.complete(req, { onEvent })).text).toBe('up');
    expect(events.map((e) => (e.type === 'breaker' ? `${e.from}>${e.to}` : e.type))).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
  });

  it('does not count bad requests or aborts as failures', async () => {
    const { provider, health } = switchable();
    const p = withCircuitBreaker(provider, { failureThreshold: 1 });
    health.down = true;
    health.error = () => new ProviderError('bad_request', 'p', 'bad', 400);
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'bad_request' });
    await expect(p.complete(req)).rejects.toMatchObject({ code: 'bad_request' });
    expect(provider.callCount).toBe(2);
  });

  it('with RedisCircuitState, failures seen by one instance open the breaker in another', async () => {
    const key = `shared-${randomUUID()}`;
    const instance = () => {
      const redis = new Redis(process.env.REDIS_URL!);
      clients.push(redis);
      const { provider, health } = switchable('anthropic');
      return { provider, health, stack: withCircuitBreaker(provider, { failureThreshold: 3, cooldownMs: 60_000, key, state: new RedisCircuitState({ redis, prefix: 'test:breaker:' }) }) };
    };
    const a = instance();
    const b = instance();
    expect((await b.stack.complete(req)).text).toBe('up');
    a.health.down = true;
    for (let i = 0; i < 3; i++) await expect(a.stack.complete(req)).rejects.toBeInstanceOf(ProviderError);
    const seenByB = await b.stack.complete(req).catch((e: unknown) => e);
    expect(seenByB).toBeInstanceOf(CircuitOpenError);
    expect(b.provider.callCount).toBe(1);
  });
});
