import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { anthropic, openai, resilientProvider, withModel, type LLMResponse, type ProviderEvent } from '@agentnest/providers';
import { AnthropicFake, OpenAIFake, type FakeReply } from '@agentnest/providers/testing';

const CALLS = 1000;
const CONCURRENCY = 8;
const DOWN = { from: 450, to: 650 }; // calls in this range find the primary fully down

/** Seeded PRNG (mulberry32): the same faults every run. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fault test: 1,000 calls against a flaky then dead primary', () => {
  const primaryFake = new AnthropicFake('sk-ant-fault');
  const fallbackFake = new OpenAIFake('sk-openai-fault');
  beforeAll(async () => {
    await primaryFake.start();
    await fallbackFake.start();
  });
  afterAll(async () => {
    await primaryFake.close();
    await fallbackFake.close();
  });

  it('keeps at least 99.9% of calls succeeding, opens the breaker while the primary is down, and its counts match the events', async () => {
    const random = prng(42);
    const injected = { rateLimited: 0, server: 0, timeout: 0, down: 0 };
    // Down-ness follows the call the request belongs to (its message says "call N"), not the clock:
    // a retry of a call inside the window still finds the primary down after later calls have started.
    const callOf = (req: { body: unknown }) => Number(/call (\d+)/.exec(JSON.stringify((req.body as { messages?: unknown }).messages))?.[1] ?? -1);
    primaryFake.respond = (req): FakeReply => {
      const call = callOf(req);
      if (call >= DOWN.from && call < DOWN.to) return (injected.down++, { kind: 'error', status: 503, message: 'down for maintenance' });
      const r = random();
      if (r < 0.1) return (injected.rateLimited++, { kind: 'error', status: 429, message: 'slow down', retryAfterMs: '5' });
      if (r < 0.2) return (injected.server++, { kind: 'error', status: 500, message: 'internal' });
      if (r < 0.3) return (injected.timeout++, { kind: 'hang' });
      return { text: 'primary ok' };
    };
    fallbackFake.respond = () => ({ text: 'fallback ok' });

    let retriesCounted = 0;
    const events: Array<ProviderEvent & { call: number }> = [];
    const provider = resilientProvider({
      providers: [anthropic({ apiKey: 'sk-ant-fault', baseURL: primaryFake.origin, timeoutMs: 60 }), withModel(openai({ apiKey: 'sk-openai-fault', baseURL: `${fallbackFake.origin}/v1` }), 'gpt-fallback')],
      retry: { maxAttempts: 3, initialDelayMs: 2, maxDelayMs: 50, onRetry: () => retriesCounted++ },
      breaker: { failureThreshold: 5, cooldownMs: 150 },
    });

    const results: Array<{ call: number; response?: LLMResponse; error?: unknown }> = [];
    let next = 0;
    const worker = async () => {
      while (next < CALLS) {
        const call = next++;
        try {
          const response = await provider.complete({ model: 'claude-fault', messages: [{ role: 'user', content: `call ${call}` }] }, { onEvent: (e) => events.push({ ...e, call }) });
          results.push({ call, response });
        } catch (error) {
          results.push({ call, error });
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsedMs = Date.now() - started;

    const ok = results.filter((r) => r.response);
    const byFallback = ok.filter((r) => r.response!.provider === 'openai');
    const retryEvents = events.filter((e) => e.type === 'retry');
    const fallbackEvents = events.filter((e) => e.type === 'fallback');
    const opened = events.filter((e) => e.type === 'breaker' && e.to === 'open');
    const inDown = (c: number) => c >= DOWN.from && c < DOWN.to;
    const downCalls = results.filter((r) => inDown(r.call));

    // The figures go into the issue note.
    console.log(
      `fault test: ${CALLS} calls in ${elapsedMs} ms, ${ok.length} succeeded (${((100 * ok.length) / CALLS).toFixed(1)}%), ` +
        `${byFallback.length} served by the fallback, ${retryEvents.length} retries, ${fallbackEvents.length} fallbacks, breaker opened ${opened.length}x; ` +
        `injected ${JSON.stringify(injected)}; primary saw ${primaryFake.requests.length} requests, fallback ${fallbackFake.requests.length}`,
    );

    expect(ok.length / CALLS).toBeGreaterThanOrEqual(0.999);
    // How many requests reach the primary depends on how often the breaker opens (timing), so check the
    // injected rate among the requests that got a draw, not an absolute count. The draws come from the
    // seeded PRNG in order, so the rate is a function of their number alone: for seed 42 it lies in
    // (0.2, 0.4) for every count from 100 up (checked up to 3,000). Requiring 100 faults instead made the
    // test fail whenever the breaker happened to spare the primary more (86 seen).
    const drawn = primaryFake.requests.length - injected.down;
    const faults = injected.rateLimited + injected.server + injected.timeout;
    expect(drawn).toBeGreaterThanOrEqual(100);
    expect(faults / drawn).toBeGreaterThan(0.2);
    expect(faults / drawn).toBeLessThan(0.4);
    // While the primary is down the breaker opens, the fallback serves, and the primary is mostly spared.
    expect(opened.some((e) => inDown(e.call))).toBe(true);
    expect(downCalls.every((r) => r.response?.provider === 'openai')).toBe(true);
    expect(injected.down).toBeLessThan(downCalls.length / 2);
    // Counted decisions equal the recorded events, and the wire agrees: one fallback request per fallback event.
    expect(retriesCounted).toBe(retryEvents.length);
    expect(byFallback.length).toBe(fallbackEvents.length);
    expect(fallbackFake.requests.length).toBe(fallbackEvents.length);
    expect(retryEvents.length).toBeGreaterThan(0);
  }, 120_000);
});
