import { createHash, randomUUID } from 'node:crypto';
import type * as AgentCoreSdk from '@aws-sdk/client-bedrock-agentcore';
import { encodeOptionalField as field } from '../identity-key.js';
import { loadDriver } from '../load-peer.js';
import { validateIdentity, type MemoryIdentity } from '../memory-identity.js';
import type { AppendOptions, LoadOptions, MemoryAuditSink, MemoryMessage, MemoryStore } from '../memory-store.js';
import { assertOwnedBy, resolveIdempotencyKey, pageOf, resolveLimit, resolveOffset, validateMessages, validateScopeField } from '../store-guards.js';

/** Settings for {@link AgentCoreStore}. */
export interface AgentCoreStoreOptions {
  /** The AgentCore Memory resource id. */
  memoryId: string;
  /** The AWS region the memory resource lives in. */
  region: string;
  /** A VPC endpoint or a test fake; @default the regional endpoint */
  endpoint?: string;
  /** Static AWS credentials; @default the AWS SDK's default credential chain */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Receives an event whenever a read is refused for belonging to another identity. */
  onAudit?: MemoryAuditSink;
}

/** Our full record, kept in each event's blob payload beside the conversational items AgentCore's strategies read. */
interface Record1 {
  v: 1;
  identity: MemoryIdentity;
  order: string;
  messages: MemoryMessage[];
  /** The append's idempotency key, when it had one. */
  key?: string;
}

type Sdk = typeof AgentCoreSdk;
const ROLE = { user: 'USER', assistant: 'ASSISTANT', tool: 'TOOL' } as const;
const PAGE = 100;

const hash = (s: string) => createHash('sha256').update(s).digest('base64url');
// Sortable within a process and across instances to the millisecond: time, then a per-process counter.
let counter = 0;
const orderKey = () => `${Date.now().toString().padStart(15, '0')}.${(counter++ % 1e9).toString().padStart(9, '0')}.${randomUUID().slice(0, 8)}`;

/**
 * Conversation history in Amazon Bedrock AgentCore Memory (short-term memory events), through
 * `@aws-sdk/client-bedrock-agentcore` (the data-plane client that serves CreateEvent/ListEvents).
 * AgentCore ids allow few characters and 100-255 of them, so tenant+principal map to the actor id
 * `t<sha256(tenant)>/p<sha256(principal)>` and the conversation to the session id `s<sha256(id)>`;
 * every event also carries the full identity, checked on every read, so even a hash collision is
 * refused rather than returned.
 */
export class AgentCoreStore implements MemoryStore {
  readonly name = 'agentcore';
  private loaded?: Promise<{ sdk: Sdk; client: AgentCoreSdk.BedrockAgentCoreClient }>;

  constructor(private readonly options: AgentCoreStoreOptions) {
    if (!options?.memoryId) throw new TypeError('AgentCoreStore needs a memoryId');
    if (!options.region) throw new TypeError('AgentCoreStore needs a region');
  }

  private sdk() {
    return (this.loaded ??= loadDriver<Sdk>('@aws-sdk/client-bedrock-agentcore', 'AgentCoreStore').then((sdk) => ({
      sdk,
      client: new sdk.BedrockAgentCoreClient({ region: this.options.region, endpoint: this.options.endpoint, credentials: this.options.credentials }),
    })));
  }

  /** The AgentCore actor id a tenant and principal are stored under, e.g. to find their events in AgentCore. */
  static actorId(tenant: string | undefined, principal: string | undefined): string {
    return `${AgentCoreStore.tenantPrefix(tenant)}p${hash(field(principal))}`;
  }

  private static tenantPrefix(tenant: string | undefined): string {
    return `t${hash(field(tenant))}/`;
  }

  /** The AgentCore session id a conversation is stored under. */
  static sessionId(conversationId: string): string {
    return `s${hash(conversationId)}`;
  }

  async append(identity: MemoryIdentity, messages: MemoryMessage[], opts?: AppendOptions): Promise<void> {
    const id = validateIdentity(identity);
    const batch = validateMessages(messages);
    const once = resolveIdempotencyKey(opts);
    if (batch.length === 0) return;
    const { sdk, client } = await this.sdk();
    const actorId = AgentCoreStore.actorId(id.tenant, id.principal);
    const sessionId = AgentCoreStore.sessionId(id.conversationId);
    // A sequential retry finds its record; concurrent duplicates share a client token, which the service dedupes.
    if (once !== undefined && (await this.events(actorId, sessionId)).some((e) => e.record?.key === once)) return;
    const clientToken = once === undefined ? randomUUID() : createHash('sha256').update(`${actorId}\n${sessionId}\n${once}`).digest('hex');
    const record: Record1 = { v: 1, identity: id, order: orderKey(), messages: batch, ...(once !== undefined ? { key: once } : {}) };
    // One event per batch: the batch is atomic and contiguous, in one round trip.
    const conversational = batch.filter((m) => m.content).map((m) => ({ conversational: { role: ROLE[m.role], content: { text: m.content } } }));
    await client.send(
      new sdk.CreateEventCommand({
        memoryId: this.options.memoryId,
        actorId,
        sessionId,
        eventTimestamp: new Date(),
        clientToken,
        payload: [...conversational, { blob: record as never }],
      }),
    );
  }

  /** Every event of a session with its record (AgentCore has no "last N", so the session is paged through). */
  private async events(actorId: string, sessionId: string): Promise<Array<{ eventId: string; record: Record1 | undefined }>> {
    const { sdk, client } = await this.sdk();
    const out: Array<{ eventId: string; record: Record1 | undefined }> = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListEventsCommand({ memoryId: this.options.memoryId, actorId, sessionId, includePayloads: true, maxResults: PAGE, nextToken }));
      for (const e of page.events ?? []) {
        const blob = (e.payload ?? []).find((p) => 'blob' in p && p.blob !== undefined) as { blob?: Record1 } | undefined;
        out.push({ eventId: e.eventId!, record: blob?.blob?.v === 1 ? blob.blob : undefined });
      }
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  }

  async load(identity: MemoryIdentity, opts?: LoadOptions): Promise<MemoryMessage[]> {
    const id = validateIdentity(identity);
    const limit = resolveLimit(opts);
    const offset = resolveOffset(opts);
    if (limit === 0) return [];
    const events = await this.events(AgentCoreStore.actorId(id.tenant, id.principal), AgentCoreStore.sessionId(id.conversationId));
    const records = events.map((e) => e.record).filter((r): r is Record1 => r !== undefined);
    for (const r of records) assertOwnedBy(r.identity, id, this.name, this.options.onAudit);
    records.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
    return pageOf(records.flatMap((r) => r.messages), limit, offset);
  }

  async clear(identity: MemoryIdentity): Promise<void> {
    const id = validateIdentity(identity);
    await this.deleteSession(AgentCoreStore.actorId(id.tenant, id.principal), AgentCoreStore.sessionId(id.conversationId), (r) => r.identity.conversationId === id.conversationId);
  }

  async forgetTenant(tenant: string): Promise<number> {
    validateScopeField('tenant', tenant, true);
    const prefix = AgentCoreStore.tenantPrefix(tenant);
    let removed = 0;
    for (const actorId of await this.actors()) if (actorId.startsWith(prefix)) removed += await this.deleteActor(actorId, (r) => r.identity.tenant === tenant);
    return removed;
  }

  async forgetPrincipal(scope: { tenant?: string; principal: string }): Promise<number> {
    validateScopeField('tenant', scope.tenant, false);
    validateScopeField('principal', scope.principal, true);
    return this.deleteActor(AgentCoreStore.actorId(scope.tenant, scope.principal), (r) => r.identity.tenant === scope.tenant && r.identity.principal === scope.principal);
  }

  private async actors(): Promise<string[]> {
    const { sdk, client } = await this.sdk();
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListActorsCommand({ memoryId: this.options.memoryId, maxResults: PAGE, nextToken }));
      ids.push(...(page.actorSummaries ?? []).map((a) => a.actorId!));
      nextToken = page.nextToken;
    } while (nextToken);
    return ids;
  }

  private async deleteActor(actorId: string, belongs: (r: Record1) => boolean): Promise<number> {
    const { sdk, client } = await this.sdk();
    const sessions: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(new sdk.ListSessionsCommand({ memoryId: this.options.memoryId, actorId, maxResults: PAGE, nextToken }));
      sessions.push(...(page.sessionSummaries ?? []).map((s) => s.sessionId!));
      nextToken = page.nextToken;
    } while (nextToken);
    let removed = 0;
    for (const sessionId of sessions) if (await this.deleteSession(actorId, sessionId, belongs)) removed++;
    return removed;
  }

  /** Deletes the session's events whose record belongs to the scope (re-checked, never trusted from the ids alone). */
  private async deleteSession(actorId: string, sessionId: string, belongs: (r: Record1) => boolean): Promise<boolean> {
    const { sdk, client } = await this.sdk();
    const doomed = (await this.events(actorId, sessionId)).filter((e) => e.record && belongs(e.record));
    for (const e of doomed) await client.send(new sdk.DeleteEventCommand({ memoryId: this.options.memoryId, actorId, sessionId, eventId: e.eventId }));
    return doomed.length > 0;
  }

  /** Releases the SDK client's sockets. */
  async close(): Promise<void> {
    if (this.loaded) (await this.loaded).client.destroy();
  }
}
