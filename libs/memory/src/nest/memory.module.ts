import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createMemoryStore } from '../create-store.js';
import type { MemoryStore } from '../memory-store.js';
import { MEMORY_STORE } from './memory.constants.js';
import { MemoryHealthIndicator } from './memory.health.js';
import { MEMORY_MODULE_OPTIONS, MemoryConfigurableModule, type MemoryModuleOptions } from './memory.module-definition.js';

/** Closes a connection the store opened itself (a shared Redis client or pg pool is left to its owner). */
@Injectable()
class MemoryStoreShutdown implements OnApplicationShutdown {
  constructor(@Inject(MEMORY_STORE) private readonly store: MemoryStore) {}

  async onApplicationShutdown(): Promise<void> {
    await (this.store as { close?: () => Promise<void> }).close?.();
  }
}

/**
 * Provides `MEMORY_STORE`: `MemoryModule.forRoot({ type: 'redis', redis })`, `{ type: 'postgres', url, migrate }`,
 * `{ type: 'memory' }` or `{ store }`; `forRootAsync` to build it from ConfigService and shared connections
 * (every option can come from its factory). Also provides `MemoryHealthIndicator` for `@nestjs/terminus`.
 */
@Module({
  providers: [
    { provide: MEMORY_STORE, inject: [MEMORY_MODULE_OPTIONS], useFactory: (o: MemoryModuleOptions) => ('store' in o ? o.store : createMemoryStore(o, o.onAudit)) },
    MemoryStoreShutdown,
    MemoryHealthIndicator,
  ],
  exports: [MEMORY_STORE, MemoryHealthIndicator],
})
export class MemoryModule extends MemoryConfigurableModule {}
