export { describeMemoryStore } from './describe-memory-store.js';
export type { MemoryStoreHarness } from './describe-memory-store.js';
export { describeMemoryStoreProperties } from './describe-memory-store-properties.js';
export { AgentCoreFake } from './agentcore.fake.js';
