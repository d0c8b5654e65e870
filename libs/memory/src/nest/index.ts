// @agentnest/memory/nest: the Nest layer over the framework-free stores.
export { MemoryModule } from './memory.module.js';
export { MEMORY_STORE } from './memory.constants.js';
export { MEMORY_MODULE_OPTIONS } from './memory.module-definition.js';
export type { MemoryModuleOptions } from './memory.module-definition.js';
export { MemoryHealthIndicator } from './memory.health.js';
export type { MemoryHealthOptions } from './memory.health.js';
export { healthResult, type HealthIndicatorResult } from './health-indicator-result.js';
