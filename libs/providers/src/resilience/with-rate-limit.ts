import { randomUUID } from 'node:crypto';
import { abortableDelay } from '../abortable-delay.js';
import type { CallOptions, LLMProvider, LLMRequest, LLMResponse, StreamEvent } from '../llm-provider.js';
import { ProviderConfigError, RateLimitedError } from '../provider.errors.js';
import { InMemoryRateLimitStore, type RateLimits, type RateLimitStore, type RateLimitTurn } from './rate-limit-store.js';
import { notify } from './provider-event.js';

export interface RateLimitOptions extends RateLimits {
  /** One budget per provider, or one per provider and tenant; @default 'provider' */
  key?: 'provider' | 'tenant';
  /** @default a new InMemoryRateLimitStore (this process only) */
  store?: RateLimitStore;
  /** 'wait' queues the call until the budget allows it (up to maxWaitMs), 'reject' fails at once; @default 'wait' */
  mode?: 'wait' | 'reject';
  /** The longest a call waits in 'wait' mode before RateLimitedError; @default 30000 */
  maxWaitMs?: number;
  /**
   * With one budget per provider, hand its room out in turns across tenants (CallOptions.tenant):
   * one tenant's burst delays another tenant's call by at most about one slot. @default false
   */
  fair?: boolean | { /** How long a waiter that stopped coming back keeps its place; @default 2000 */ leaseMs?: number };
}

/** Input tokens estimated before the call at 4 characters a token (system, messages and tool schemas). */
export function estimateInputTokens(req: LLMRequest): number {
  let chars = req.system?.length ?? 0;
  for (const m of req.messages) chars += m.content.length + (m.role === 'assistant' && m.toolCalls ? JSON.stringify(m.toolCalls).length : 0);
  for (const t of req.tools ?? []) chars += t.name.length + t.description.length + JSON.stringify(t.inputSchema).length;
  return Math.ceil(chars / 4);
}

// Output tokens count too: the budget is what the vendor bills against, input plus output.
// A count that is not one (NaN from a provider of one's own) keeps the estimate: NaN in a bucket compared false with every limit.
function usedBeyond(estimate: number, response: LLMResponse): number {
  const used = response.usage?.totalTokens;
  return typeof used === 'number' && Number.isFinite(used) && used >= 0 ? used - estimate : 0;
}

/**
 * Keeps calls within requests-per-minute and tokens-per-minute budgets, shared through the store:
 * input tokens are reserved from an estimate before the call and settled to the real usage after.
 */
export function withRateLimit(provider: LLMProvider, options: RateLimitOptions): LLMProvider {
  const limits: RateLimits = { requestsPerMinute: options.requestsPerMinute, tokensPerMinute: options.tokensPerMinute };
  if (!limits.requestsPerMinute && !limits.tokensPerMinute) throw new ProviderConfigError('withRateLimit(): set requestsPerMinute and/or tokensPerMinute');
  const store = options.store ?? new InMemoryRateLimitStore();
  const mode = options.mode ?? 'wait';
  const maxWaitMs = options.maxWaitMs ?? 30_000;

  const leaseMs = (typeof options.fair === 'object' && options.fair.leaseMs) || 2_000;
  // Turns only matter when tenants share a bucket; a per-tenant budget is fair already.
  const fair = Boolean(options.fair) && options.key !== 'tenant';

  const budgetKey = (opts: CallOptions) => (options.key === 'tenant' ? `${provider.name}:tenant:${opts.tenant ?? '-'}` : provider.name);

  async function reserve(req: LLMRequest, opts: CallOptions): Promise<{ key: string; estimate: number }> {
    const key = budgetKey(opts);
    const estimate = estimateInputTokens(req);
    const deadline = Date.now() + maxWaitMs;
    // A call in reject mode asks without registering: it will not come back to use a turn.
    const turn: RateLimitTurn | undefined = fair ? { tenant: opts.tenant ?? '-', waiter: mode === 'wait' ? randomUUID() : undefined, leaseMs } : undefined;
    try {
      for (;;) {
        const { allowed, retryAfterMs } = await store.take(key, { requests: 1, tokens: estimate }, limits, turn);
        if (allowed) return { key, estimate };
        const canWait = mode === 'wait' && Date.now() + retryAfterMs <= deadline;
        notify(opts.onEvent, { type: 'rate_limited', provider: provider.name, key, waitMs: retryAfterMs, action: canWait ? 'wait' : 'reject' });
        if (!canWait) throw new RateLimitedError(provider.name, retryAfterMs, key);
        await abortableDelay(retryAfterMs, opts.signal);
      }
    } catch (err) {
      // Given up or aborted: leave the queue so the tenant holds no turn nobody will take.
      if (turn?.waiter) await store.leave(key, turn).catch(() => undefined);
      throw err;
    }
  }

  const settle = (key: string, estimate: number, response: LLMResponse) => store.settle(key, usedBeyond(estimate, response), limits);

  const wrapped: LLMProvider = {
    name: provider.name,
    ...(provider.models ? { models: provider.models } : {}),
    async complete(req: LLMRequest, opts: CallOptions = {}): Promise<LLMResponse> {
      const { key, estimate } = await reserve(req, opts);
      const response = await provider.complete(req, opts);
      await settle(key, estimate, response);
      return response;
    },
  };
  if (provider.stream) {
    const stream = provider.stream.bind(provider);
    wrapped.stream = async function* (req: LLMRequest, opts: CallOptions = {}): AsyncIterable<StreamEvent> {
      const { key, estimate } = await reserve(req, opts);
      for await (const event of stream(req, opts)) {
        if (event.type === 'response') await settle(key, estimate, event.response);
        yield event;
      }
    };
  }
  return wrapped;
}
