import { describe, expect, it } from '@jest/globals';
import { ValidatorCache } from './validator-cache.js';

describe('ValidatorCache', () => {
  it('evicts the least recently used past its entry bound', () => {
    const cache = new ValidatorCache<string>(2, 1_000);
    cache.set('a', 'A', 1);
    cache.set('b', 'B', 1);
    expect(cache.get('a')).toBe('A');
    cache.set('c', 'C', 1);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['A', undefined, 'C']);
  });

  it('evicts past its byte bound, however few the entries, and keeps nothing larger than the bound', () => {
    const cache = new ValidatorCache<string>(100, 1_000);
    cache.set('a', 'A', 400);
    cache.set('b', 'B', 400);
    cache.set('c', 'C', 400);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, 'B', 'C']);
    expect(cache.bytes).toBe(800);
    cache.set('huge', 'H', 1_001);
    expect(cache.get('huge')).toBeUndefined();
    expect([cache.size, cache.bytes]).toEqual([2, 800]);
  });

  it('replaces an entry without counting it twice', () => {
    const cache = new ValidatorCache<string>(10, 1_000);
    cache.set('a', 'A', 600);
    cache.set('a', 'A2', 700);
    expect([cache.get('a'), cache.size, cache.bytes]).toEqual(['A2', 1, 700]);
  });
});
