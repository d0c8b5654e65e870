import { Inject, Injectable } from '@nestjs/common';
import type { MemoryStore } from '../memory-store.js';
import { MEMORY_STORE } from './memory.constants.js';
import { healthResult, type HealthIndicatorResult } from './health-indicator-result.js';

// A read under an identity no caller of the reference API can hold (its tenants never contain spaces) proves the store answers.
const PROBE = { tenant: 'health probe', conversationId: 'probe' };

/** Options of one memory health check. */
export interface MemoryHealthOptions {
  /** A read slower than this counts as down; @default no limit (the store's own timeouts apply) */
  timeoutMs?: number;
}

/**
 * A `@nestjs/terminus` health indicator for the app's memory store (`MEMORY_STORE`): up when one
 * read answers, with the store's name. Provided by MemoryModule; use it in a health check:
 * `health.check([() => memory.isHealthy('memory')])`.
 */
@Injectable()
export class MemoryHealthIndicator {
  constructor(@Inject(MEMORY_STORE) private readonly store: MemoryStore) {}

  /** Up with the store's name when one read answers (within `timeoutMs` if given); down otherwise, with the store's name only. */
  async isHealthy<Key extends string = 'memory'>(key: Key = 'memory' as Key, options: MemoryHealthOptions = {}): Promise<HealthIndicatorResult<Key>> {
    const details = { store: this.store.name };
    try {
      await withTimeout(this.store.load(PROBE, { limit: 1 }), options.timeoutMs);
      return healthResult(key, true, details);
    } catch {
      // Down with the store's name only: an error's message may carry a connection string.
      return healthResult(key, false, details);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  if (ms === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
