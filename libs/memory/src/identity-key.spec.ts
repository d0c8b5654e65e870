import { describe, expect, it } from '@jest/globals';
import { decodeIdentityKey, encodeIdentityKey, encodeScopePrefix } from './identity-key.js';
import { InvalidIdentityError } from './memory.errors.js';
import { validateIdentity, type MemoryIdentity } from './memory-identity.js';

// Values chosen to break naive schemes: the separator, the escape, markers, globs, empty, unicode.
const VALUES: Array<string | undefined> = [undefined, '', ':', '\\', '\\:', ':\\', '::', '~', '=', '=~', '~:', '_global', '*', '%', '%3A', 'a:b', 'a\\', 'ü', '日本', '💬', '\u0000', 'a b'];
const CONVERSATIONS = VALUES.filter((v): v is string => v !== undefined);

function* crossProduct(): Generator<MemoryIdentity> {
  for (const tenant of VALUES)
    for (const principal of VALUES)
      for (const conversationId of CONVERSATIONS) {
        const id: MemoryIdentity = { conversationId };
        if (tenant !== undefined) id.tenant = tenant;
        if (principal !== undefined) id.principal = principal;
        yield id;
      }
}

describe('identity key encoding', () => {
  it('is injective over the adversarial cross-product and decodes back exactly', () => {
    const seen = new Map<string, MemoryIdentity>();
    let count = 0;
    for (const id of crossProduct()) {
      count++;
      const key = encodeIdentityKey(id);
      const previous = seen.get(key);
      if (previous) throw new Error(`collision: ${JSON.stringify(previous)} and ${JSON.stringify(id)} -> ${key}`);
      seen.set(key, id);
      expect(decodeIdentityKey(key)).toEqual(id);
    }
    expect(count).toBe(VALUES.length * VALUES.length * CONVERSATIONS.length);
    expect(seen.size).toBe(count);
  });

  it('tells an absent field from an empty one and from the literal markers', () => {
    const keys = [{ conversationId: 'c' }, { tenant: '', conversationId: 'c' }, { tenant: '~', conversationId: 'c' }].map(encodeIdentityKey);
    expect(new Set(keys).size).toBe(3);
  });

  it('gives scope prefixes that match exactly the keys of that tenant or principal', () => {
    const tenantPrefix = encodeScopePrefix('a');
    const principalPrefix = encodeScopePrefix('a', { value: 'p' });
    for (const id of crossProduct()) {
      const key = encodeIdentityKey(id);
      expect(key.startsWith(tenantPrefix)).toBe(id.tenant === 'a');
      expect(key.startsWith(principalPrefix)).toBe(id.tenant === 'a' && id.principal === 'p');
    }
  });

  it('rejects keys it did not produce', () => {
    for (const bad of ['', '=a', '=a:=b', '~:~:~', '=a:=b:=c:', 'x:~:=c', '=a:=b:=c\\']) expect(() => decodeIdentityKey(bad)).toThrow('malformed');
  });
});

describe('validateIdentity', () => {
  it('accepts strings up to 256 chars and strips unknown keys', () => {
    const id = validateIdentity({ tenant: 't'.repeat(256), principal: 'p', conversationId: 'c', extra: 1 });
    expect(id).toEqual({ tenant: 't'.repeat(256), principal: 'p', conversationId: 'c' });
  });

  it.each([
    [{ conversationId: 'c', tenant: 7 }, 'tenant'],
    [{ conversationId: 'c', principal: null }, 'principal'],
    [{ conversationId: 'c', tenant: 'SECRET-'.repeat(40) }, 'tenant'],
    [{ conversationId: '' }, 'conversationId'],
    [{ tenant: 'x' }, 'conversationId'],
    [{ conversationId: ['c'] }, 'conversationId'],
    [{ conversationId: 'c', principal: 'a\u0000b' }, 'principal'],
  ])('rejects %j naming the field, never echoing the value', (value, field) => {
    const err = (() => {
      try {
        validateIdentity(value);
      } catch (e) {
        return e as InvalidIdentityError;
      }
      throw new Error('expected a rejection');
    })();
    expect(err).toBeInstanceOf(InvalidIdentityError);
    expect(err.field).toBe(field);
    expect(err.code).toBe('invalid_identity');
    expect(err.message).not.toContain('SECRET');
  });

  it('rejects non-objects', () => {
    expect(() => validateIdentity(null)).toThrow(InvalidIdentityError);
    expect(() => validateIdentity('c1')).toThrow(InvalidIdentityError);
  });
});
