import type { MemoryIdentity } from './memory-identity.js';

// Layout: three fields joined by ':'. An absent field is '~'; a present one is '=' followed by the
// value with '\' and ':' escaped by '\'. Every unescaped ':' is therefore a separator, and the
// first character tells absent from present, so distinct identities can never share a key.
const SEP = ':';
const ABSENT = '~';
const PRESENT = '=';

const SPECIAL = /[\\:]/;

function escapeValue(value: string): string {
  // Most ids have nothing to escape: testing is cheaper than rebuilding the string.
  return SPECIAL.test(value) ? value.replace(/[\\:]/g, (c) => '\\' + c) : value;
}

/** One optional id standing alone (a column, a hash input): '~' when absent, '=' + value when present, so '' and absent differ. */
export function encodeOptionalField(value: string | undefined): string {
  return value === undefined ? ABSENT : PRESENT + value;
}

function encodeField(value: string | undefined): string {
  return encodeOptionalField(value === undefined ? undefined : escapeValue(value));
}

/** The injective storage key of an identity (tenant, principal, conversation). */
export function encodeIdentityKey(identity: MemoryIdentity): string {
  return [encodeField(identity.tenant), encodeField(identity.principal), encodeField(identity.conversationId)].join(SEP);
}

/** The key prefix shared by every conversation of one tenant (absent tenant included), and of one principal. */
export function encodeScopePrefix(tenant: string | undefined, principal?: { value: string | undefined }): string {
  const head = encodeField(tenant) + SEP;
  return principal ? head + encodeField(principal.value) + SEP : head;
}

/** Inverse of `encodeIdentityKey`; throws on anything it did not produce. */
export function decodeIdentityKey(key: string): MemoryIdentity {
  const fields: Array<string | undefined> = [];
  let i = 0;
  while (fields.length < 3) {
    const marker = key[i++];
    if (marker === ABSENT) fields.push(undefined);
    else if (marker === PRESENT) {
      let value = '';
      while (i < key.length && key[i] !== SEP) {
        if (key[i] === '\\') i++;
        if (i >= key.length) throw new Error('malformed identity key');
        value += key[i++];
      }
      fields.push(value);
    } else throw new Error('malformed identity key');
    if (fields.length < 3 && key[i++] !== SEP) throw new Error('malformed identity key');
  }
  if (i !== key.length || fields[2] === undefined) throw new Error('malformed identity key');
  const identity: MemoryIdentity = { conversationId: fields[2] };
  if (fields[0] !== undefined) identity.tenant = fields[0];
  if (fields[1] !== undefined) identity.principal = fields[1];
  return identity;
}
