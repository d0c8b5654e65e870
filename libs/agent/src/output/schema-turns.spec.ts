import { describe, expect, it } from '@jest/globals';
import { compileUntrustedSchemaInTurn } from './schema-turns.js';

const schema = (tag: string) => ({ type: 'object', properties: { [tag]: { type: 'string' } } });

describe('untrusted schemas compile in turn', () => {
  it('takes tenants in turn: one tenant flooding does not put another at the back of the line', async () => {
    const order: string[] = [];
    const track = (tenant: string, tag: string) => compileUntrustedSchemaInTurn(schema(tag), tenant).then(() => order.push(tag));
    await Promise.all([...['a1', 'a2', 'a3', 'a4'].map((t) => track('acme', t)), track('globex', 'g1'), track('initech', 'i1')]);
    expect(order).toEqual(['a1', 'g1', 'i1', 'a2', 'a3', 'a4']);
  });

  it('gives the event loop back between two compiles, and a refused schema does not stop the line', async () => {
    const order: string[] = [];
    const first = compileUntrustedSchemaInTurn(schema('one'), 'acme').then(() => order.push('compiled one'));
    const refused = compileUntrustedSchemaInTurn({ $async: true, type: 'object' }, 'acme').catch((err: { code?: string }) => order.push(`refused: ${err.code}`));
    const second = compileUntrustedSchemaInTurn(schema('two'), 'acme').then(() => order.push('compiled two'));
    // Scheduled after the compiles were queued: served between them, not after all of them.
    setImmediate(() => order.push('other work'));
    await Promise.all([first, refused, second]);
    expect(order).toEqual(['compiled one', 'other work', 'refused: invalid_output_schema', 'compiled two']);
  });
});
