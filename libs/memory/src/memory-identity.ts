import { InvalidIdentityError } from './memory.errors.js';

/** Who a conversation belongs to. Every read and write of a store is scoped by all three fields. */
export interface MemoryIdentity {
  tenant?: string;
  principal?: string;
  conversationId: string;
}

/** The conversation id prototypes use when they have none; never for multi-tenant production. */
export const GLOBAL_CONVERSATION = '_global';

/** @default 256 characters per identity field */
export const MAX_IDENTITY_FIELD_LENGTH = 256;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkField(field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') throw new InvalidIdentityError(field, required ? 'is required and must be a string' : 'must be a string when present');
  if (value.length > MAX_IDENTITY_FIELD_LENGTH) throw new InvalidIdentityError(field, `must be at most ${MAX_IDENTITY_FIELD_LENGTH} characters`);
  // No store can keep NUL in a key or column reliably (PostgreSQL text cannot), so no id may hold one.
  if (value.includes('\u0000')) throw new InvalidIdentityError(field, 'must not contain NUL characters');
  // A lone surrogate has no UTF-8 form: stores would write U+FFFD, so '\ud800', '\udfff' and '\ufffd' would share a key.
  if (LONE_SURROGATE.test(value)) throw new InvalidIdentityError(field, 'must be well-formed Unicode (no lone surrogates)');
  if (required && value.length === 0) throw new InvalidIdentityError(field, 'must not be empty');
}

/** Throws `InvalidIdentityError` unless `value` is a well-formed identity; returns a clean copy (no extra keys). */
export function validateIdentity(value: unknown): MemoryIdentity {
  if (typeof value !== 'object' || value === null) throw new InvalidIdentityError('(root)', 'must be an object');
  const v = value as Record<string, unknown>;
  checkField('tenant', v.tenant, false);
  checkField('principal', v.principal, false);
  checkField('conversationId', v.conversationId, true);
  const clean: MemoryIdentity = { conversationId: v.conversationId as string };
  if (v.tenant !== undefined) clean.tenant = v.tenant as string;
  if (v.principal !== undefined) clean.principal = v.principal as string;
  return clean;
}

/** True when both identities name the same tenant, principal and conversation (absent only equals absent). */
export function sameIdentity(a: MemoryIdentity, b: MemoryIdentity): boolean {
  return a.tenant === b.tenant && a.principal === b.principal && a.conversationId === b.conversationId;
}
