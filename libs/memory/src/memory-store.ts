import type { MemoryIdentity } from './memory-identity.js';

/** One stored conversation message (the same shape the agent sends to providers). */
export interface MemoryMessage {
  role: 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: Array<{ id: string; name: string; args: Record<string, unknown> }>;
  toolCallId?: string;
  name?: string;
  isError?: boolean;
  /** The agent that wrote an assistant message, when several agents share the conversation (handoffs). */
  agent?: string;
  /** On a conversation summary (kept beside the conversation): where in the history it stops. */
  summary?: { through: string };
}

/** Per-call settings for {@link MemoryStore.append}. */
export interface AppendOptions {
  /** One vector (or undefined) per message, kept by stores that can search. */
  embeddings?: Array<number[] | undefined>;
  /**
   * Applies the append at most once per conversation: a retried or replayed append with the same
   * key (the agent uses its runId) is skipped, so a job that dies after writing never writes twice.
   * Stores remember the newest keys of each conversation only (`maxIdempotencyKeys`, default
   * {@link DEFAULT_MAX_IDEMPOTENCY_KEYS}): a key that many newer keyed appends have pushed out is
   * applied again.
   */
  idempotencyKey?: string;
}

/** Per-call settings for {@link SearchableMemoryStore.search}. */
export interface SearchOptions {
  /** How many hits at most; @default 5 */
  k?: number;
  /** Lowest cosine similarity returned; @default 0 */
  minScore?: number;
}

/** One message {@link SearchableMemoryStore.search} found, with where it came from and how close it is. */
export interface SearchHit {
  /** The conversation the message belongs to (any of the principal's conversations). */
  conversationId: string;
  message: MemoryMessage;
  /** Cosine similarity to the query vector, from -1 to 1; higher is closer. */
  score: number;
}

/** Per-call settings for {@link MemoryStore.load}. */
export interface LoadOptions {
  /** How many of the most recent messages to return; @default 50 ({@link DEFAULT_LOAD_LIMIT}) */
  limit?: number;
  /** Skip this many of the newest messages first (paging backwards through history); @default 0 */
  offset?: number;
}

/** Emitted when a store refuses to hand a record to an identity it does not belong to. */
export interface MemoryAuditEvent {
  type: 'memory.access_refused';
  store: string;
  requested: { tenant?: string; principal?: string };
  at: string;
}

/** Where a store reports refused reads (the stores' `onAudit` option), e.g. a security log. */
export type MemoryAuditSink = (event: MemoryAuditEvent) => void;

/**
 * The conversation-memory port. Every method is scoped by identity: a store never returns data
 * stored under another tenant, principal or conversation.
 */
export interface MemoryStore {
  readonly name: string;
  /** The last `limit` messages of the conversation, oldest first; `[]` when there are none. */
  load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]>;
  /** Appends messages atomically and in order: concurrent appends never interleave inside one batch. */
  append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void>;
  /** Deletes one conversation. */
  clear(identity: MemoryIdentity): Promise<void>;
  /** Deletes every conversation of a tenant; returns how many conversations were removed. */
  forgetTenant(tenant: string): Promise<number>;
  /** Deletes every conversation of one principal within a tenant (absent tenant means the tenant-less space). */
  forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number>;
}

/** A store that can find earlier messages by meaning, within one tenant and principal. */
export interface SearchableMemoryStore extends MemoryStore {
  /** The k messages most similar to `vector` across all conversations of identity's tenant and principal. */
  search(identity: MemoryIdentity, vector: number[], opts?: SearchOptions): Promise<SearchHit[]>;
}

/** Whether the store can search by meaning, narrowing it to {@link SearchableMemoryStore}. */
export function isSearchable(store: MemoryStore): store is SearchableMemoryStore {
  return typeof (store as Partial<SearchableMemoryStore>).search === 'function';
}

/** How many recent messages {@link MemoryStore.load} returns when no `limit` is given. */
export const DEFAULT_LOAD_LIMIT = 50;

/**
 * How many append idempotency keys a store keeps per conversation (the newest). A key exists for a
 * retry of the same run, which comes seconds or minutes later, not after a thousand newer runs of
 * the same conversation; without a cap the keys would grow by one per run forever, even when
 * maxMessages bounds the messages.
 */
export const DEFAULT_MAX_IDEMPOTENCY_KEYS = 1_000;
