import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { MemoryStoreConfig } from '../create-store.js';
import type { MemoryAuditSink, MemoryStore } from '../memory-store.js';

/** Either a store you built, or the config to build one. */
export type MemoryModuleOptions = ({ store: MemoryStore } | MemoryStoreConfig) & {
  /** Receives refused cross-identity reads (wire it to your audit log). */
  onAudit?: MemoryAuditSink;
};

/**
 * `isGlobal` is the one option outside the options object (so outside the async factory): Nest reads
 * a module's `global` flag when it scans the module graph, before any provider, factories
 * included, is built, so it can only be given to `forRoot`/`forRootAsync` directly.
 */
export const {
  ConfigurableModuleClass: MemoryConfigurableModule,
  /** The injection token of the MemoryModuleOptions given to `forRoot`/`forRootAsync` (read them in your own providers). */
  MODULE_OPTIONS_TOKEN: MEMORY_MODULE_OPTIONS,
  OPTIONS_TYPE: MEMORY_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: MEMORY_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MemoryModuleOptions>({ moduleName: 'Memory' })
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
