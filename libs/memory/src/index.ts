export { GLOBAL_CONVERSATION, MAX_IDENTITY_FIELD_LENGTH, sameIdentity, validateIdentity } from './memory-identity.js';
export type { MemoryIdentity } from './memory-identity.js';
export { decodeIdentityKey, encodeIdentityKey, encodeScopePrefix } from './identity-key.js';
export { CrossTenantAccessError, InvalidIdentityError, MemoryError } from './memory.errors.js';
export { DEFAULT_LOAD_LIMIT } from './memory-store.js';
export type { LoadOptions, MemoryAuditEvent, MemoryAuditSink, MemoryMessage, MemoryStore } from './memory-store.js';
export { assertOwnedBy } from './store-guards.js';
export { InMemoryStore } from './stores/in-memory.store.js';
export type { InMemoryStoreOptions } from './stores/in-memory.store.js';
