import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import { anchorOf, brokenLinks, readmes } from './doc-snippets.js';

// No service needed: this reads Markdown only (a unit-level check that lives here beside the other doc gates).
describe('the docs', () => {
  it('link only to files and headings that exist', () => {
    expect(readmes()).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/getting-started.md']));
    expect(brokenLinks()).toEqual([]);
  });

  it('find a broken file or anchor when there is one', () => {
    expect(anchorOf('Layering')).toBe('layering');
    expect(anchorOf('Configuration (environment variables)')).toBe('configuration-environment-variables');
    expect(brokenLinks(['test/fixtures/broken-links.md'])).toEqual(['test/fixtures/broken-links.md: ../../docs/no-such-page.md', 'test/fixtures/broken-links.md: ../../docs/architecture.md#no-such-heading']);
  });

  it('keep the README short and the layering where lint cites it', () => {
    expect(statSync('README.md').size).toBeLessThan(12 * 1024);
    expect(readFileSync('README.md', 'utf8')).toContain('(docs/architecture.md)');
    expect(brokenLinks(['test/fixtures/layering-link.md'])).toEqual([]);
  });
});
